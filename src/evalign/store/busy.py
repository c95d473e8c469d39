"""Telling a locked database from other failures, and waiting for it with backoff.

SQLite allows one writer at a time: while an import holds the write lock, every other write
waits (`busy_timeout`) and then fails with "database is locked". PostgreSQL writers rarely wait
on each other, but a deadlock or a serialization failure is worth one more try. Both are
*busy* errors: retrying the whole transaction later is correct, and the caller gets a
`StoreBusy` (web: 503 with `Retry-After`) once the deadline has passed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError

from evalign.errors import StoreBusy

SQLITE_BUSY, SQLITE_LOCKED = 5, 6
PG_RETRYABLE = frozenset({"40001", "40P01", "55P03"})  # serialization, deadlock, lock timeout


def is_busy(exc: BaseException) -> bool:
    """Whether `exc` means "another writer holds the database; try again later"."""
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    if getattr(orig, "sqlstate", None) in PG_RETRYABLE:
        return True
    text = str(orig).lower()
    return "database is locked" in text or "database table is locked" in text


def busy_error(what: str, waited_s: float, retry_after: float = 5.0) -> StoreBusy:
    """The error raised when the store stayed locked past the deadline."""
    return StoreBusy(
        f"the store is busy (another process is writing to it, e.g. an import or a run): "
        f"{what} waited {waited_s:.0f} s and was not saved; try again in a few seconds",
        retry_after=retry_after,
    )


@dataclass
class Backoff:
    """Exponential backoff with jitter up to a deadline (monotonic seconds).

    Args:
        deadline_s: how long to keep trying, from now.
        first_s: the first pause.
        cap_s: the longest single pause.
    """

    deadline_s: float
    first_s: float = 0.05
    cap_s: float = 1.0
    started: float = field(default_factory=time.monotonic)

    @property
    def remaining_s(self) -> float:
        """Seconds left before the deadline (never negative)."""
        return max(0.0, self.started + self.deadline_s - time.monotonic())

    @property
    def waited_s(self) -> float:
        """Seconds since the first try."""
        return time.monotonic() - self.started

    def pauses(self) -> Iterator[float]:
        """Sleep between tries; yields each pause, and stops when the deadline would pass."""
        pause = self.first_s
        while True:
            wait = pause * random.uniform(0.5, 1.0)
            if wait >= self.remaining_s:
                return
            time.sleep(wait)
            yield wait
            pause = min(pause * 2, self.cap_s)
