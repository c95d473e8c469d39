"""Background work of the server: finish pending runs and alignment runs, resume orphaned ones.

A unit is a run (or alignment run) that is `pending`, or `running` with a heartbeat older than
the runner's staleness limit (its process died: the server picks it back up after a restart).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from evalign.errors import ConflictError
from evalign.runner.run import STALE_AFTER, resume_run
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_runs import now
from evalign.web.services.benchmarks import awaiting_labels

log = logging.getLogger(__name__)


def _orphaned_before() -> datetime:
    return now() - STALE_AFTER - timedelta(seconds=1)


def next_run(store: Store) -> bool:
    """Run (or resume) the oldest pending or orphaned benchmark run; whether there was one."""
    with store.session() as s:
        candidates = s.scalars(select(m.Run).where(or_(
            m.Run.status == "pending",
            (m.Run.status == "running") & (m.Run.heartbeat_at < _orphaned_before())))
            .order_by(m.Run.id))
        run_id = next((r.id for r in candidates if not awaiting_labels(s, r)), None)
    if run_id is None:
        return False
    try:
        resume_run(store, run_id)
    except ConflictError as exc:  # cancelled meanwhile, or a live process owns it
        log.info("run %s not picked up: %s", run_id, exc)
        return False
    return True


ALIGNMENT_STALE = timedelta(minutes=5)


def next_alignment(store: Store) -> bool:
    """Execute the oldest pending alignment run; an orphaned running one is restarted."""
    from evalign.align import execute_alignment

    with store.session() as s:
        orphans = s.scalars(select(m.AlignmentRun).where(
            m.AlignmentRun.status == "running",
            m.AlignmentRun.heartbeat_at < now() - ALIGNMENT_STALE))
        for row in orphans:  # its process died mid-way: the run starts over from its config
            row.status, row.phase = "pending", None
        run_id = s.scalar(select(m.AlignmentRun.id).where(m.AlignmentRun.status == "pending")
                          .order_by(m.AlignmentRun.id).limit(1))
    if run_id is None:
        return False
    try:
        execute_alignment(store, run_id)
    except Exception:  # the run itself records the error; the worker goes on
        log.exception("alignment run %s failed", run_id)
    return True
