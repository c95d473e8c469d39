"""Background work of the server: finish pending runs and alignment runs, resume orphaned ones.

A unit is a run (or alignment run) that is `pending`, or `running` with a heartbeat older than
the runner's staleness limit (its process died: the server picks it back up after a restart).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import or_, select

from evalign.errors import ConflictError
from evalign.runner.run import STALE_AFTER, resume_run
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_runs import now

log = logging.getLogger(__name__)


def _orphaned_before() -> object:
    return now() - STALE_AFTER - timedelta(seconds=1)


def next_run(store: Store) -> bool:
    """Run (or resume) the oldest pending or orphaned benchmark run; whether there was one."""
    with store.session() as s:
        run_id = s.scalar(select(m.Run.id).where(or_(
            m.Run.status == "pending",
            (m.Run.status == "running") & (m.Run.heartbeat_at < _orphaned_before())))
            .order_by(m.Run.id).limit(1))
    if run_id is None:
        return False
    try:
        resume_run(store, run_id)
    except ConflictError as exc:  # cancelled meanwhile, or a live process owns it
        log.info("run %s not picked up: %s", run_id, exc)
        return False
    return True
