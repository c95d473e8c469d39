"""What a shard of a distributed run still has to do, and whether its run still runs.

A shard is a list of (item id, sample) units sent to one worker. A worker that Ray starts again
after its process died must not ask the model again for what its first attempt already stored,
so it asks here first; and it stops taking new units once its run is no longer running.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.store import models as m


def stored_units(session: Session, run_id: int, item_ids: Iterable[int]) -> set[tuple[int, int]]:
    """The (item id, sample) pairs of `item_ids` that already have a verdict in run `run_id`."""
    ids = sorted(set(item_ids))
    if not ids:
        return set()
    rows = session.execute(sa.select(m.Verdict.item_id, m.Verdict.sample).where(
        m.Verdict.run_id == run_id, m.Verdict.item_id.in_(ids)))
    return {(int(item), int(sample)) for item, sample in rows}


def run_status(session: Session, run_id: int) -> str | None:
    """The run's status now (None when it no longer exists)."""
    return session.scalar(sa.select(m.Run.status).where(m.Run.id == run_id))
