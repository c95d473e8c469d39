"""Lists for pages and commands: the newest runs with their progress, a dataset's criteria.

Plain records only; every page and command that lists these reads them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.store import models as m
from evalign.store.repo_runs import aware


@dataclass(frozen=True)
class RunListing:
    """One run in a list.

    Attributes:
        done: verdicts stored for the first sample of each item.
        total: items in the run's dataset.
    """

    id: int
    judge: str
    version: int
    dataset: str
    status: str
    model: str
    done: int
    total: int
    created_at: datetime | None


def newest_runs(session: Session, limit: int = 20, dataset: str | None = None
                ) -> list[RunListing]:
    """The newest runs (of datasets named `dataset`, any version, when given), newest first."""
    query = (sa.select(m.Run, m.JudgeVersion.version, m.Judge.name, m.Dataset.name)
             .join(m.JudgeVersion, m.JudgeVersion.id == m.Run.judge_version_id)
             .join(m.Judge, m.Judge.id == m.JudgeVersion.judge_id)
             .join(m.Dataset, m.Dataset.id == m.Run.dataset_id))
    if dataset:
        query = query.where(m.Dataset.name == dataset)
    rows = session.execute(query.order_by(m.Run.id.desc()).limit(limit)).all()
    dataset_ids = {r.dataset_id for r, *_ in rows}
    totals = dict(session.execute(
        sa.select(m.Item.dataset_id, sa.func.count()).where(m.Item.dataset_id.in_(dataset_ids))
        .group_by(m.Item.dataset_id)).tuples().all())
    done = dict(session.execute(
        sa.select(m.Verdict.run_id, sa.func.count())
        .where(m.Verdict.run_id.in_([r.id for r, *_ in rows]), m.Verdict.sample == 0)
        .group_by(m.Verdict.run_id)).tuples().all())
    restricted = dict(session.execute(  # runs restricted to some items count those only
        sa.select(m.RunItem.run_id, sa.func.count())
        .where(m.RunItem.run_id.in_([r.id for r, *_ in rows if r.scope is not None]))
        .group_by(m.RunItem.run_id)).all())
    return [RunListing(id=r.id, judge=judge, version=version, dataset=ds, status=r.status,
                       model=r.model, done=done.get(r.id, 0),
                       total=restricted.get(r.id, totals.get(r.dataset_id, 0)),
                       created_at=aware(r.created_at))
            for r, version, judge, ds in rows]
