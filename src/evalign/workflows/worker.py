"""The background worker: runs pending benchmark runs and alignment runs.

The server runs one in its process; `evalign worker` runs one without a web server. One daemon
thread per job polls the store, so a long alignment run never holds up benchmark runs. Each
job claims one unit of work (`evalign.workflows.jobs`) and runs it to its end; the runner and
the alignment engine store progress as they go, so pages can poll. Work left `running` by a
process that died is picked back up once its heartbeat is stale.
"""

from __future__ import annotations

import logging
import threading

from evalign.store import Store
from evalign.workflows.jobs import Job, default_jobs

log = logging.getLogger(__name__)


class Worker:
    """A polling thread over `jobs` (default: `default_jobs()`)."""

    def __init__(self, store: Store, jobs: list[Job] | None = None, interval: float = 0.5):
        self.store = store
        self.jobs = jobs if jobs is not None else default_jobs()
        self.interval = interval
        self._stop = threading.Event()
        self._wakes = [threading.Event() for _ in self.jobs]
        self._threads = [
            threading.Thread(target=self._loop, args=(job, wake), daemon=True,
                             name=f"evalign-worker-{getattr(job, '__name__', i)}")
            for i, (job, wake) in enumerate(zip(self.jobs, self._wakes, strict=True))]

    def start(self) -> None:
        """Start polling."""
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the threads to stop after their current unit of work."""
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)

    def wake(self) -> None:
        """Poll now (called after new work is queued)."""
        for event in self._wakes:
            event.set()

    def run_once(self) -> bool:
        """Run every job once; whether any found work."""
        found = False
        for job in self.jobs:
            found = self._run(job) or found
        return found

    def _run(self, job: Job) -> bool:
        try:
            return job(self.store)
        except Exception:  # a failing unit must not kill the worker; the job records it
            log.exception("background job %s failed", getattr(job, "__name__", job))
            return False

    def _loop(self, job: Job, wake: threading.Event) -> None:
        while not self._stop.is_set():
            if not self._run(job):
                wake.wait(self.interval)
                wake.clear()
