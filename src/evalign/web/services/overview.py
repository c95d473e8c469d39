"""The home page: datasets, judges and the latest runs at a glance."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, select

from evalign.store import Store, repo_judges
from evalign.store import models as m
from evalign.web.services.datasets import DatasetSummary, list_datasets


class JudgeSummary(BaseModel):
    """One judge in a list."""

    name: str
    description: str = ""
    builtin: bool
    current_version: int | None
    versions: int
    criterion: str | None = None


class RunSummary(BaseModel):
    """One run in a list."""

    id: int
    judge: str
    version: int
    dataset: str
    status: str
    model: str
    done: int
    total: int
    created_at: datetime | None = None


class Overview(BaseModel):
    """The home page."""

    datasets: list[DatasetSummary]
    judges: list[JudgeSummary]
    runs: list[RunSummary]


def list_judges(store: Store) -> list[JudgeSummary]:
    """Every judge, custom ones first, then built-in, by name (built-ins seeded on first look)."""
    with store.session() as s:
        infos = repo_judges.list_judges(s)
    summaries = [JudgeSummary(name=j.name, description=j.description, builtin=j.builtin,
                              current_version=j.current_version or j.latest_version,
                              versions=j.versions, criterion=j.criterion) for j in infos]
    return sorted(summaries, key=lambda j: (j.builtin, j.name))


def list_runs(store: Store, limit: int = 20, dataset: str | None = None) -> list[RunSummary]:
    """The newest runs."""
    with store.session() as s:
        query = (select(m.Run, m.JudgeVersion, m.Judge.name, m.Dataset.name)
                 .join(m.JudgeVersion, m.JudgeVersion.id == m.Run.judge_version_id)
                 .join(m.Judge, m.Judge.id == m.JudgeVersion.judge_id)
                 .join(m.Dataset, m.Dataset.id == m.Run.dataset_id))
        if dataset:
            query = query.where(m.Dataset.name == dataset)
        rows = s.execute(query.order_by(m.Run.id.desc()).limit(limit)).all()
        totals = dict(s.execute(select(m.Item.dataset_id, func.count())
                                .group_by(m.Item.dataset_id)).all())
        done = dict(s.execute(select(m.Verdict.run_id, func.count())
                              .where(m.Verdict.run_id.in_([r.id for r, *_ in rows]),
                                     m.Verdict.sample == 0)
                              .group_by(m.Verdict.run_id)).all())
        return [RunSummary(id=r.id, judge=judge, version=v.version, dataset=ds, status=r.status,
                           model=r.model, done=done.get(r.id, 0),
                           total=totals.get(r.dataset_id, 0), created_at=r.created_at)
                for r, v, judge, ds in rows]


def overview(store: Store) -> Overview:
    """Datasets, judges and the ten newest runs."""
    return Overview(datasets=list_datasets(store), judges=list_judges(store),
                    runs=list_runs(store, limit=10))
