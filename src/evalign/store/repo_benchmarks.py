"""Benchmark runs' bookkeeping in the store: parent runs, runs waiting for labels, claiming.

A benchmark made from a run's outputs (or from generated outputs) waits, `pending`, until its
new dataset's queue has a label on every item: the run's counters carry `awaiting_labels`.
`claimable_runs` is the one rule a worker (in the server or `evalign worker`) picks runs by:
pending and not waiting for labels, or running with a heartbeat older than the caller's limit.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import NotFoundError
from evalign.store import models as m
from evalign.store.repo_items import get_dataset

AWAITING = "awaiting_labels"
"""Run counter set on a benchmark that waits for its queue to be labeled."""


def set_parent_run(session: Session, run_id: int, parent_run_id: int) -> None:
    """Record that `run_id` reruns `parent_run_id` (the old run stays as it is)."""
    session.execute(sa.update(m.Run).where(m.Run.id == run_id)
                    .values(parent_run_id=parent_run_id))


def mark_awaiting_labels(session: Session, run_id: int) -> None:
    """Make the run wait until every item of its dataset carries a label."""
    session.execute(sa.update(m.Run).where(m.Run.id == run_id)
                    .values(counters={AWAITING: True}))


def awaiting_labels(session: Session, run_id: int) -> bool:
    """Whether the run still waits for its dataset's items to be labeled.

    Raises:
        NotFoundError: no such run.
    """
    run = session.get(m.Run, run_id)
    if run is None:
        raise NotFoundError(f"no run {run_id}: `evalign runs list` shows the runs there are")
    if not (run.counters or {}).get(AWAITING):
        return False
    total = session.scalar(sa.select(sa.func.count()).where(
        m.Item.dataset_id == run.dataset_id)) or 0
    labeled = session.scalar(sa.select(sa.func.count(sa.func.distinct(m.Label.item_id)))
                             .join(m.Item, m.Item.id == m.Label.item_id)
                             .where(m.Item.dataset_id == run.dataset_id)) or 0
    return labeled < total


def claimable_runs(session: Session, stale_before: datetime) -> list[int]:
    """Run ids a worker may take, oldest first: pending ones not waiting for labels, and
    running ones whose heartbeat is older than `stale_before` (their process died)."""
    candidates = session.scalars(sa.select(m.Run.id).where(sa.or_(
        m.Run.status == "pending",
        (m.Run.status == "running") & (m.Run.heartbeat_at < stale_before)))
        .order_by(m.Run.id))
    return [i for i in candidates if not awaiting_labels(session, i)]


def dataset_kind(session: Session, dataset_id: int) -> str:
    """The dataset's kind (`single` or `pairwise`)."""
    return session.get_one(m.Dataset, dataset_id).kind


def set_dataset_criteria(session: Session, name: str, criteria: list[str]) -> None:
    """Name the criteria the dataset's annotation queue asks for (kept in its source).

    Raises:
        NotFoundError: no current dataset of that name.
    """
    row = get_dataset(session, name)
    row.source = {**(row.source or {}), "criteria": list(criteria)}
