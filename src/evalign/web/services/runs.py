"""The benchmark run page: header stats, the filtered item table, discrepancies, versions.

Scores on the page are on 0–100 (the benchmarking seed's normalization); a discrepancy is a gap
of 20 or more, or a pass/fail disagreement where a side has no score.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_criteria import scale_of
from evalign.store.repo_runs import get_run
from evalign.web.services.agreement import Agreement, agreement
from evalign.web.services.comparisons import (
    Comparison,
    Human,
    human_sides,
    judge_criterion,
    run_comparisons,
)
from evalign.web.services.criteria import dataset_criteria
from evalign.web.services.records import Page

PER_PAGE = 50


class RunFilters(BaseModel):
    """The item table's filters."""

    discrepancy: bool = False
    human: str = ""  # "" | completed | pending
    eval: str = ""  # "" | completed | pending | error
    human_min: float | None = None
    human_max: float | None = None
    eval_min: float | None = None
    eval_max: float | None = None


class RunHeader(BaseModel):
    """What the run is and where it stands."""

    id: int
    judge: str
    version: int
    judge_kind: str
    dataset: str
    criterion: str | None
    status: str
    model: str
    error: str | None
    counters: dict[str, Any]
    parent_run_id: int | None
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


class RunStats(BaseModel):
    """Header figures: shares of items, each over all items unless said otherwise."""

    total: int
    human_reviewed: float | None
    evaluated: float | None
    errors: int
    aligned: float | None
    """Share of compared items whose pass/fail agree."""
    discrepancies: float | None
    """Share of compared items with a discrepancy."""
    eval_higher: int
    human_higher: int
    equal: int
    agreement: Agreement


class RunRow(BaseModel):
    """One item of the table."""

    item_id: int
    external_id: str
    position: int
    inputs: dict[str, Any]
    output: str | None
    human_value: Any = None
    human_score: float | None = None
    human_reasoning: str = ""
    annotations: int = 0
    eval_value: Any = None
    eval_score: float | None = None
    eval_reasoning: str = ""
    eval_error: str | None = None
    p_pass: float | None = None
    failed_checks: list[str] = []
    evaluated: bool = False
    aligned: bool | None = None
    discrepancy: bool = False


class VersionRow(BaseModel):
    """One run of the same judge on the same dataset."""

    run_id: int
    version: int
    status: str
    aligned: float | None
    discrepancies: float | None
    n: int
    created_at: datetime | None


class RunPage(BaseModel):
    """Everything on the run page."""

    run: RunHeader
    stats: RunStats
    filters: RunFilters
    page: Page
    rows: list[RunRow]
    versions: list[VersionRow]


def run_page(store: Store, run_id: int, filters: RunFilters | None = None, page: int = 1,
             per_page: int = PER_PAGE) -> RunPage:
    """The run page of `run_id`.

    Raises:
        NotFoundError: no such run.
    """
    filters = filters or RunFilters()
    with store.session() as s:
        run = get_run(s, run_id)
        criterion = _criterion(s, run)
        humans = _humans(s, run, criterion)
        comps = run_comparisons(s, run, criterion, humans)
        chosen = [c for c in comps if _keep(c, filters)]
        page = max(1, min(page, -(-len(chosen) // per_page) or 1))
        window = chosen[(page - 1) * per_page: page * per_page]
        return RunPage(run=_header(run, criterion), stats=run_stats(comps), filters=filters,
                       page=Page(page=page, per_page=per_page, total=len(chosen)),
                       rows=_rows(s, window), versions=versions(s, run, humans, comps))


def _humans(s: Session, run: m.Run, criterion: m.Criterion | None) -> dict[int, Human] | None:
    """The run's human sides, read once for the page and its version history."""
    if criterion is None:
        return None
    return human_sides(s, run.dataset_id, criterion.id, scale_of(criterion))


def _criterion(s: Session, run: m.Run) -> m.Criterion | None:
    crits = dataset_criteria(s, run.dataset)
    return judge_criterion(s, run.judge_version.judge, crits)


def _header(run: m.Run, criterion: m.Criterion | None) -> RunHeader:
    version = run.judge_version
    return RunHeader(id=run.id, judge=version.judge.name, version=version.version,
                     judge_kind=version.kind, dataset=run.dataset.name,
                     criterion=criterion.name if criterion else None, status=run.status,
                     model=run.model, error=run.error, counters=run.counters or {},
                     parent_run_id=run.parent_run_id, created_at=run.created_at,
                     started_at=run.started_at, finished_at=run.finished_at)


def run_stats(comps: list[Comparison]) -> RunStats:
    """Header figures and the discrepancy breakdown of a run's comparisons."""
    total = len(comps)
    compared = [c for c in comps if c.compared]
    deltas = [c.delta for c in compared if c.delta is not None]
    return RunStats(
        total=total, human_reviewed=_share(sum(c.human is not None for c in comps), total),
        evaluated=_share(sum(c.evaluated for c in comps), total),
        errors=sum(c.judge_error is not None for c in comps),
        aligned=_share(sum(bool(c.aligned) for c in compared), len(compared)),
        discrepancies=_share(sum(c.discrepancy for c in compared), len(compared)),
        eval_higher=sum(d >= 1 for d in deltas), human_higher=sum(d <= -1 for d in deltas),
        equal=sum(abs(d) < 1 for d in deltas), agreement=agreement(comps))


def _share(k: int, n: int) -> float | None:
    return k / n if n else None


def _keep(c: Comparison, f: RunFilters) -> bool:
    if f.discrepancy and not (c.compared and c.discrepancy):
        return False
    if f.human and (c.human is not None) != (f.human == "completed"):
        return False
    if f.eval == "error" and c.judge_error is None:
        return False
    if f.eval in ("completed", "pending") and c.evaluated != (f.eval == "completed"):
        return False
    human = c.human.score if c.human else None
    return _within(human, f.human_min, f.human_max) and _within(c.judge_score, f.eval_min,
                                                                 f.eval_max)


def _within(value: float | None, low: float | None, high: float | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def _rows(s: Session, window: list[Comparison]) -> list[RunRow]:
    items = {i.id: i for i in s.scalars(select(m.Item).where(
        m.Item.id.in_([c.item_id for c in window])))}
    return [_row(items[c.item_id], c) for c in window]


def _row(item: m.Item, c: Comparison) -> RunRow:
    human = c.human
    failed = [str(ch.get("question", ch)) for ch in c.checks
              if isinstance(ch, dict) and ch.get("passed") is False]
    return RunRow(
        item_id=item.id, external_id=item.external_id, position=item.position,
        inputs=item.inputs or {}, output=item.output,
        human_value=human.value if human else None, human_score=human.score if human else None,
        human_reasoning=human.reasoning if human else "",
        annotations=len(human.annotations) if human else 0, eval_value=c.judge_value,
        eval_score=c.judge_score, eval_reasoning=c.judge_reasoning, eval_error=c.judge_error,
        p_pass=c.p_pass, failed_checks=failed, evaluated=c.evaluated, aligned=c.aligned,
        discrepancy=c.compared and c.discrepancy)


def versions(s: Session, run: m.Run, humans: dict[int, Human] | None = None,
             comps: list[Comparison] | None = None) -> list[VersionRow]:
    """Every run of this judge on this dataset, oldest first, with its aligned/discrepancy %.

    Args:
        humans: the dataset's human sides, when already read.
        comps: `run`'s own comparisons, when already computed.
    """
    judge_id = run.judge_version.judge_id
    others = s.scalars(select(m.Run).join(m.JudgeVersion,
                                          m.JudgeVersion.id == m.Run.judge_version_id)
                       .where(m.JudgeVersion.judge_id == judge_id,
                              m.Run.dataset_id == run.dataset_id).order_by(m.Run.id))
    criterion = _criterion(s, run)
    out = []
    for other in others:
        mine = comps if comps is not None and other.id == run.id else None
        stats = run_stats(mine or run_comparisons(s, other, criterion, humans))
        out.append(VersionRow(run_id=other.id, version=other.judge_version.version,
                              status=other.status, aligned=stats.aligned,
                              discrepancies=stats.discrepancies, n=stats.agreement.n,
                              created_at=other.created_at))
    return out
