"""Background work: claim and do one pending or orphaned benchmark run or alignment run.

The one place work is claimed, for the server's worker threads and `evalign worker` alike.
A unit is a run (or alignment run) that is `pending`, or `running` with a heartbeat older than
its staleness limit (its process died: a worker picks it back up after a restart). Claiming
is atomic in the store, so two workers on one database never both do the same unit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from evalign.align import execute_alignment
from evalign.align.liveness import ALIGNMENT_STALE
from evalign.errors import ConflictError
from evalign.runner.run import STALE_AFTER, resume_run
from evalign.store import Store
from evalign.store.repo_alignment_runs import (
    next_pending_alignment,
    orphaned_alignments,
    requeue_alignment,
)
from evalign.store.repo_benchmarks import claimable_runs
from evalign.store.repo_runs import now

log = logging.getLogger(__name__)

Job = Callable[[Store], bool]
"""A job does at most one unit of work and says whether it found any."""

def _stale_before(limit: timedelta) -> datetime:
    return now() - limit - timedelta(seconds=1)


def next_run(store: Store) -> bool:
    """Run (or resume) the oldest pending or orphaned benchmark run; whether there was one."""
    with store.session() as s:
        ids = claimable_runs(s, _stale_before(STALE_AFTER))
    if not ids:
        return False
    try:
        resume_run(store, ids[0])
    except ConflictError as exc:  # cancelled meanwhile, or a live process owns it
        log.info("run %s not picked up: %s", ids[0], exc)
        return False
    return True


def next_alignment(store: Store) -> bool:
    """Execute the oldest pending alignment run, orphaned running ones requeued first."""
    with store.session() as s:
        for orphan in orphaned_alignments(s, _stale_before(ALIGNMENT_STALE)):
            requeue_alignment(s, orphan)  # its process died mid-way
        run_id = next_pending_alignment(s)
    if run_id is None:
        return False
    try:
        execute_alignment(store, run_id)  # claims it; another worker's claim wins cleanly
    except Exception:  # the run itself records the error; the worker goes on
        log.exception("alignment run %s failed", run_id)
    return True


def default_jobs() -> list[Job]:
    """The jobs a worker runs: benchmark runs first, then alignment runs."""
    return [next_run, next_alignment]
