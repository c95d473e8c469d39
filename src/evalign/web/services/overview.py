"""The home page: datasets, judges and the latest runs at a glance."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from evalign.store import Store, repo_judges
from evalign.store.repo_listings import newest_runs
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
        found = newest_runs(s, limit=limit, dataset=dataset)
    return [RunSummary(id=r.id, judge=r.judge, version=r.version, dataset=r.dataset,
                       status=r.status, model=r.model, done=r.done, total=r.total,
                       created_at=r.created_at) for r in found]


def overview(store: Store) -> Overview:
    """Datasets, judges and the ten newest runs."""
    return Overview(datasets=list_datasets(store), judges=list_judges(store),
                    runs=list_runs(store, limit=10))
