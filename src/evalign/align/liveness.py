"""Whether the process running an alignment run is still alive, as its heartbeat tells.

A running run's heartbeat is beaten by a thread of the process executing it (`Pulse`), every
`PULSE_S` seconds whatever the phase is doing, so one slow model call (a long prompt on a local
model) never makes a live run look dead. The heartbeat stops only when that process stops:
killed, crashed, or its machine gone. A run silent for `ALIGNMENT_STALE` is then said to be
stalled (`stall_note`, shown by `evalign align status`, the web page and the API), and a
worker requeues it (`workflows.jobs`).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from types import TracebackType

from evalign.store import Store
from evalign.store import repo_alignment_runs as repo
from evalign.store.repo_alignment_runs import AlignmentRunRecord
from evalign.store.repo_runs import aware, now

log = logging.getLogger(__name__)

PULSE_S = 30.0
"""Seconds between two heartbeats of a live run."""

ALIGNMENT_STALE = timedelta(minutes=5)
"""A running run whose heartbeat is this old has lost its process (ten missed pulses)."""


class Pulse:
    """Beats a run's heartbeat from a daemon thread while the block runs.

    A failed beat (e.g. the database busy for longer than its timeout) is logged and tried
    again at the next pulse; it never stops the run. An in-memory store is left alone: no other
    process can look at it, and each thread would see its own empty database.
    """

    def __init__(self, store: Store, run_id: int, every_s: float = PULSE_S):
        self.store, self.run_id, self.every_s = store, run_id, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True,
                                        name=f"evalign-alignment-{run_id}-pulse")

    def __enter__(self) -> Pulse:
        if not self.store.in_memory:
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                with self.store.session() as session:
                    repo.heartbeat(session, self.run_id)
            except Exception:  # the next pulse tries again; the run itself goes on
                log.warning("alignment run %s: heartbeat failed", self.run_id, exc_info=True)


def stall_note(run: AlignmentRunRecord, at: datetime | None = None) -> str | None:
    """A sentence when `run` is `running` but its heartbeat stopped `ALIGNMENT_STALE` ago or
    more (its process is gone); None otherwise.

    Args:
        run: the run as stored.
        at: the moment to judge by (default: now, UTC).
    """
    if run.status != "running":
        return None
    beat = aware(run.heartbeat_at)
    moment = at or now()
    if beat is not None and moment - beat < ALIGNMENT_STALE:
        return None
    since = ("it never beat" if beat is None else
             f"last heartbeat {beat:%Y-%m-%d %H:%M:%S} UTC, "
             f"{int((moment - beat).total_seconds() // 60)} min ago")
    return (f"stalled: the process running alignment run {run.id} has stopped ({since}). "
            f"`evalign worker --once` (or a server's worker) runs it again, reusing the answers "
            f"already cached; `evalign align cancel {run.id}` ends it")
