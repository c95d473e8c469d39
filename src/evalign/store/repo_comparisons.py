"""The reads behind comparisons: a run, its dataset's labels, its verdicts, as plain records.

`evalign.comparisons` turns these into (label, verdict) pairs; nothing here decides how they
compare. Every function takes an open `Session` and returns records detached from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import NotFoundError
from evalign.items import Item
from evalign.judges.spec import CheckResult, Verdict
from evalign.scores import ScoreConfig
from evalign.store import models as m
from evalign.store.repo_items import get_dataset, list_datasets, to_item


@dataclass(frozen=True)
class RunRecord:
    """A run with its judge version and dataset, as the read model needs them."""

    id: int
    status: str
    model: str
    error: str | None
    counters: dict[str, Any]
    """The run's counters, with its model calls (`Run.calls`) under `calls`."""
    parent_run_id: int | None
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    judge_id: int
    judge: str
    judge_criterion: str | None
    judge_version_id: int
    version: int
    version_kind: str
    judge_scale: ScoreConfig
    threshold: float | None
    dataset_id: int
    dataset: str
    scope: dict[str, Any] | None = None
    """Where a restricted run's items came from (`repo_run_items`); None: every item."""


@dataclass(frozen=True)
class CriterionRecord:
    """A criterion and its scale."""

    id: int
    name: str
    scale: ScoreConfig


@dataclass(frozen=True)
class LabelRow:
    """One stored label, its value as stored (the read model parses it)."""

    item_id: int
    annotator: str
    value: Any
    reasoning: str
    resolved: bool


@dataclass(frozen=True)
class VerdictRow:
    """One stored verdict, its value as stored."""

    item_id: int
    sample: int
    value: Any
    p_pass: float | None
    reasoning: str
    error: str | None
    checks: list[Any]
    error_kind: str | None = None
    """The stored error kind (`uncertain`: a pairwise judge declined to decide)."""


@dataclass(frozen=True)
class ItemKey:
    """An item's identity and place in its dataset."""

    id: int
    external_id: str
    position: int


def _run_query() -> Any:
    return (sa.select(m.Run, m.JudgeVersion, m.Judge, m.Dataset, m.Criterion.name)
            .join(m.JudgeVersion, m.JudgeVersion.id == m.Run.judge_version_id)
            .join(m.Judge, m.Judge.id == m.JudgeVersion.judge_id)
            .join(m.Dataset, m.Dataset.id == m.Run.dataset_id)
            .outerjoin(m.Criterion, m.Criterion.id == m.Judge.criterion_id))


def _record(run: m.Run, version: m.JudgeVersion, judge: m.Judge, dataset: m.Dataset,
            criterion: str | None) -> RunRecord:
    return RunRecord(
        id=run.id, status=run.status, model=run.model, error=run.error,
        counters={**(run.counters or {}), "calls": run.calls}, parent_run_id=run.parent_run_id,
        created_at=run.created_at, started_at=run.started_at, finished_at=run.finished_at,
        judge_id=judge.id, judge=judge.name, judge_criterion=criterion,
        judge_version_id=version.id, version=version.version,
        version_kind=version.kind, judge_scale=ScoreConfig.parse(version.scale),
        threshold=version.threshold, dataset_id=dataset.id, dataset=dataset.name,
        scope=dict(run.scope) if run.scope else None)


def run_record(session: Session, run_id: int) -> RunRecord:
    """The run with this id.

    Raises:
        NotFoundError: no such run.
    """
    row = session.execute(_run_query().where(m.Run.id == run_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no run {run_id}: `evalign runs list` shows the runs there are")
    run, version, judge, dataset, criterion = row
    return _record(run, version, judge, dataset, criterion)


def dataset_runs(session: Session, dataset_id: int, judge_id: int | None = None
                 ) -> list[RunRecord]:
    """The runs on a dataset (of one judge, when given), oldest first."""
    query = _run_query().where(m.Run.dataset_id == dataset_id)
    if judge_id is not None:
        query = query.where(m.Judge.id == judge_id)
    rows = session.execute(query.order_by(m.Run.id))
    return [_record(run, version, judge, dataset, criterion)
            for run, version, judge, dataset, criterion in rows]


def newest_run_dataset(session: Session) -> str | None:
    """The name of the dataset with the newest run, if any run exists."""
    return session.scalar(sa.select(m.Dataset.name).join(m.Run, m.Run.dataset_id == m.Dataset.id)
                          .order_by(m.Run.id.desc()).limit(1))


def dataset_names(session: Session) -> list[str]:
    """Every dataset's name, sorted."""
    return [summary.name for summary in list_datasets(session)]


def dataset_id(session: Session, name: str) -> int:
    """The id of the dataset named `name` (its current version).

    Raises:
        NotFoundError: no such dataset; the message lists the ones that exist.
    """
    return get_dataset(session, name).id


def criterion_record(session: Session, name: str) -> CriterionRecord | None:
    """The criterion named `name`, or None."""
    row = session.scalar(sa.select(m.Criterion).where(m.Criterion.name == name))
    return None if row is None else _criterion(row)


def labeled_criteria(session: Session, dataset_id: int) -> list[CriterionRecord]:
    """The criteria with labels on this dataset's items, by name."""
    ids = (sa.select(m.Label.criterion_id).join(m.Item, m.Item.id == m.Label.item_id)
           .where(m.Item.dataset_id == dataset_id).distinct())
    rows = session.scalars(sa.select(m.Criterion).where(m.Criterion.id.in_(ids))
                           .order_by(m.Criterion.name))
    return [_criterion(row) for row in rows]


def _criterion(row: m.Criterion) -> CriterionRecord:
    return CriterionRecord(row.id, row.name, ScoreConfig.parse(row.score_config.config))


def label_rows(session: Session, dataset_id: int, criterion_id: int) -> list[LabelRow]:
    """The dataset's labels on one criterion, by item then annotator."""
    query = (sa.select(m.Label.item_id, m.Label.annotator, m.Label.value, m.Label.reasoning,
                       m.Label.resolved)
             .join(m.Item, m.Item.id == m.Label.item_id)
             .where(m.Item.dataset_id == dataset_id, m.Label.criterion_id == criterion_id)
             .order_by(m.Label.item_id, m.Label.annotator))
    return [LabelRow(item, annotator, value, reasoning or "", bool(resolved))
            for item, annotator, value, reasoning, resolved in session.execute(query)]


def verdict_rows(session: Session, run_id: int) -> list[VerdictRow]:
    """The run's verdicts (every sample), by item then sample."""
    v = m.Verdict
    query = (sa.select(v.item_id, v.sample, v.value, v.p_pass, v.reasoning, v.error, v.checks,
                       v.error_kind)
             .where(v.run_id == run_id).order_by(v.item_id, v.sample))
    return [VerdictRow(item, sample, value, p_pass, reasoning or "", error, list(checks or []),
                       kind)
            for item, sample, value, p_pass, reasoning, error, checks, kind
            in session.execute(query)]


def item_keys(session: Session, dataset_id: int) -> list[ItemKey]:
    """The dataset's items in position order (ids only, no content)."""
    query = (sa.select(m.Item.id, m.Item.external_id, m.Item.position)
             .where(m.Item.dataset_id == dataset_id).order_by(m.Item.position))
    return [ItemKey(i, ext, pos) for i, ext, pos in session.execute(query)]


def items_by_id(session: Session, ids: Sequence[int]) -> dict[int, Item]:
    """The items with these ids, with their content."""
    if not ids:
        return {}
    rows = session.scalars(sa.select(m.Item).where(m.Item.id.in_(list(ids))))
    return {row.id: to_item(row) for row in rows}


def run_verdicts(session: Session, run_id: int, sample: int = 0) -> dict[int, Verdict]:
    """The run's verdicts of one sample as records, by item id."""
    rows = session.scalars(sa.select(m.Verdict).where(m.Verdict.run_id == run_id,
                                                      m.Verdict.sample == sample))
    return {row.item_id: _verdict(row) for row in rows}


def _verdict(row: m.Verdict) -> Verdict:
    checks = [CheckResult(str(c.get("question", "")), c.get("passed"), c.get("p_yes"),
                          c.get("p_null"))
              for c in row.checks or [] if isinstance(c, dict)]
    return Verdict(value=row.value, reasoning=row.reasoning, raw=row.raw, p_pass=row.p_pass,
                   error=row.error, error_kind=row.error_kind, checks=checks,
                   attempts=row.attempts, cached=row.cached, prompt_tokens=row.prompt_tokens,
                   completion_tokens=row.completion_tokens, latency_s=row.latency_s,
                   cost_usd=row.cost_usd, item_id=row.item_id, sample=row.sample)
