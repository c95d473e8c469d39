"""Sign-in throttling: each client gets a few free wrong guesses, then waits ever longer.

A client is its address. After `free` wrong tokens (at the sign-in form or as a Bearer header)
every further one locks the client out for `base_s`, then twice as long, up to `max_s`; while
locked out every attempt is refused unread, right or wrong, so waiting is the only way on. A
correct sign-in clears the record. At most `capacity` clients are remembered (the least recently
seen is forgotten first), so a flood of addresses cannot exhaust memory.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass
class _Record:
    failures: int
    locked_until: float
    last_seen: float


class SignInThrottle:
    """Per-client backoff for wrong access tokens.

    Args:
        free: wrong guesses allowed before the first lock-out.
        base_s: the first lock-out in seconds; each further wrong guess doubles it.
        max_s: the longest lock-out in seconds.
        forget_s: a client quiet this long starts afresh (seconds).
        capacity: the most clients remembered at once.
        clock: monotonic time in seconds (tests pass their own).
    """

    def __init__(self, *, free: int = 5, base_s: float = 1.0, max_s: float = 300.0,
                 forget_s: float = 900.0, capacity: int = 10_000,
                 clock: Clock = time.monotonic):
        self.free, self.base_s, self.max_s = free, base_s, max_s
        self.forget_s, self.capacity = forget_s, capacity
        self._clock = clock
        self._clients: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()

    def wait_s(self, client: str) -> float:
        """Seconds `client` must still wait before its next attempt (0 when it may try now)."""
        with self._lock:
            record = self._current(client)
            return max(0.0, record.locked_until - self._clock()) if record else 0.0

    def failed(self, client: str) -> float:
        """Record a wrong guess; returns the lock-out it earned in seconds (0 while free)."""
        now = self._clock()
        with self._lock:
            record = self._current(client) or _Record(0, 0.0, now)
            record.failures += 1
            record.last_seen = now
            over = record.failures - self.free
            lock = min(self.max_s, self.base_s * 2 ** (over - 1)) if over > 0 else 0.0
            record.locked_until = now + lock
            self._clients[client] = record
            self._clients.move_to_end(client)
            while len(self._clients) > self.capacity:
                self._clients.popitem(last=False)
            return lock

    def succeeded(self, client: str) -> None:
        """Forget `client`'s wrong guesses after a correct sign-in."""
        with self._lock:
            self._clients.pop(client, None)

    def _current(self, client: str) -> _Record | None:
        record = self._clients.get(client)
        if record and self._clock() - max(record.last_seen, record.locked_until) > self.forget_s:
            del self._clients[client]
            return None
        return record


def retry_after(seconds: float) -> str:
    """A `Retry-After` header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
