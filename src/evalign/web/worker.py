"""The background worker: runs pending benchmark runs and alignment runs inside the server.

One daemon thread polls the store; each job function claims one unit of work and runs it to its
end (the runner and alignment engine store progress as they go, so pages can poll). Work left
`running` by a server that died is picked back up once its heartbeat is stale.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from evalign.store import Store

log = logging.getLogger(__name__)

Job = Callable[[Store], bool]
"""A job runs at most one unit of work and says whether it found any."""


def default_jobs() -> list[Job]:
    """The jobs the server runs: benchmark runs first, then alignment runs."""
    from evalign.web.services.jobs import next_run

    return [next_run]


class Worker:
    """A polling thread over `jobs` (default: `default_jobs()`)."""

    def __init__(self, store: Store, jobs: list[Job] | None = None, interval: float = 0.5):
        self.store = store
        self.jobs = jobs if jobs is not None else default_jobs()
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="evalign-worker", daemon=True)

    def start(self) -> None:
        """Start polling."""
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop after its current unit of work."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def wake(self) -> None:
        """Poll now (called after new work is queued)."""
        self._wake.set()

    def run_once(self) -> bool:
        """Run every job once; whether any found work."""
        found = False
        for job in self.jobs:
            try:
                found = job(self.store) or found
            except Exception:  # a failing unit must not kill the worker; the job records it
                log.exception("background job %s failed", getattr(job, "__name__", job))
        return found

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self.run_once():
                self._wake.wait(self.interval)
                self._wake.clear()
