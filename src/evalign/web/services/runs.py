"""The benchmark run page: header stats, the filtered item table, discrepancies, versions.

Every figure comes from the read model (`evalign.comparisons`) under the page's policy, so it
is the figure `evalign report RUN` prints for that policy. Scores are on 0–100 (the
benchmarking seed's normalization); a discrepancy is a gap of 20 or more, or a pairwise miss.
A verdict the judge declined to decide (its answer changed with the order, order policy
`uncertain`) is *undecided*: counted apart, never among the errors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, field_validator

from evalign.comparisons import (
    DEFAULT_POLICY,
    HumanSide,
    ItemComparison,
    Policy,
    RunComparisons,
    RunData,
    compare,
    consensus,
    headline,
    read_labels,
    read_run_data,
    resolve_criterion,
)
from evalign.comparisons.aligned import run_judge_criterion
from evalign.errors import CriterionChoiceError
from evalign.items import Item
from evalign.stats import Comparison
from evalign.stats.numeric import direction_counts
from evalign.store import Store
from evalign.store.repo_comparisons import (
    ItemKey,
    RunRecord,
    dataset_runs,
    item_keys,
    items_by_id,
    labeled_criteria,
    run_record,
)
from evalign.store.repo_reruns import retries_of
from evalign.store.session import Session
from evalign.web.services.agreement import Agreement, run_agreement
from evalign.web.services.records import Page

PER_PAGE = 50
CELLS = ("tp", "fn", "tn", "fp")


class RunFilters(BaseModel):
    """The item table's filters, and the policy and criterion of the page's figures.

    A number box left empty arrives as "" and means no bound.
    """

    discrepancy: bool = False
    human: str = ""  # "" | completed | pending
    eval: str = ""  # "" | completed | pending | error | undecided
    human_min: float | None = None
    human_max: float | None = None
    eval_min: float | None = None
    eval_max: float | None = None
    cell: str = ""
    """A confusion cell (tp, fn, tn, fp) or, on a pairwise scale, `hXjY` (human chose X, the
    judge Y; 0 is a tie): items with a comparison in that cell."""
    policy: Policy = DEFAULT_POLICY
    criterion: str | None = None

    @field_validator("human_min", "human_max", "eval_min", "eval_max", "criterion",
                     mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


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
    retried_by: list[int] = []
    """The runs made to ask this run's failed calls again (`--retry-errors`), oldest first: its
    stored error may advise a retry that was done since."""
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


class RunStats(BaseModel):
    """Header figures: shares of items, and the comparisons' agreement under the policy."""

    total: int
    human_reviewed: float | None
    evaluated: float | None
    errors: int
    """Items whose verdict is an error (undecided verdicts are not)."""
    undecided: int = 0
    """Items whose verdict the judge declined to decide (order policy `uncertain`)."""
    aligned: float | None
    """Agreement: share of comparisons whose pass/fail (or pairwise choice) agree."""
    discrepancies: float | None
    """Share of comparisons with a discrepancy (a gap ≥ 20 on 0–100); None on a pairwise
    scale, which has no 0–100 reading (its misses are `agreement.misaligned`)."""
    eval_higher: int | None
    """Compared pairs where the judge's 0–100 score is above the human's (exact sign, the
    report's `numeric.judge_higher`); None on a pairwise scale."""
    human_higher: int | None
    equal: int | None
    agreement: Agreement
    pairwise: bool = False
    """The run compares pairwise choices (output 1 / output 2 / tie): no 0–100 figures."""


class Rating(BaseModel):
    """One annotator's label on the item, with its 0–100 score."""

    annotator: str
    value: Any
    score: float | None
    resolved: bool = False


class RunRow(BaseModel):
    """One item of the table."""

    item_id: int
    external_id: str
    position: int
    inputs: dict[str, Any]
    output: str | None
    output_2: str | None = None
    human_value: Any = None
    """The item's consensus value (None when tied or unlabeled)."""
    human_score: float | None = None
    human_reasoning: str = ""
    annotations: int = 0
    ratings: list[Rating] = []
    tied: bool = False
    eval_value: Any = None
    eval_score: float | None = None
    eval_reasoning: str = ""
    eval_error: str | None = None
    eval_undecided: bool = False
    """The judge declined to decide (its answer changed with the order): not an error."""
    p_pass: float | None = None
    failed_checks: list[str] = []
    evaluated: bool = False
    aligned: bool | None = None
    discrepancy: bool = False


class VersionRow(BaseModel):
    """One run of the same judge on the same dataset, with its own figures: on the items it
    judged (all of the dataset's, or those its `scope` names), the very figures of its own
    page and of `evalign report RUN` under the page's policy and criterion, never re-read on
    the items of the run whose page lists it."""

    run_id: int
    version: int
    status: str
    aligned: float | None
    """Its headline agreement (`comparisons.headline`)."""
    discrepancies: float | None
    n: int
    """The comparisons behind `aligned` and `discrepancies`."""
    items: int
    """The items the run judges."""
    scope: str | None = None
    """Why the run judges only some of the dataset's items (its scope's kind, e.g.
    `held_out`); None: it judges them all."""
    created_at: datetime | None


class RunPage(BaseModel):
    """Everything on the run page."""

    run: RunHeader
    stats: RunStats
    filters: RunFilters
    criteria: list[str]
    criterion_note: str | None = None
    """Why no criterion is compared (several labeled, none chosen), when so."""
    page: Page
    rows: list[RunRow]
    versions: list[VersionRow]


def run_page(store: Store, run_id: int, filters: RunFilters | None = None, page: int = 1,
             per_page: int = PER_PAGE) -> RunPage:
    """The run page of `run_id`.

    Raises:
        NotFoundError: no such run, or no criterion of the name asked for.
    """
    filters = filters or RunFilters()
    with store.session() as s:
        run = run_record(s, run_id)
        criteria = [c.name for c in labeled_criteria(s, run.dataset_id)]
        note = None
        try:
            crit = resolve_criterion(s, run.dataset_id, filters.criterion,
                                     run_judge_criterion(s, run), run.judge_scale)
        except CriterionChoiceError as exc:
            crit, note = None, str(exc)
        labels, keys = read_labels(s, run.dataset_id, crit), item_keys(s, run.dataset_id)
        data = read_run_data(s, run, crit, labels=labels, keys=keys)
        loaded = compare(data, filters.policy)
        chosen = [i for i in loaded.items if _keep(i, filters, loaded)]
        page = max(1, min(page, -(-len(chosen) // per_page) or 1))
        window = chosen[(page - 1) * per_page: page * per_page]
        records = items_by_id(s, [i.key.id for i in window])
        rows = [_row(loaded, i, records[i.key.id]) for i in window]
        history = versions(s, run, data, loaded, keys)
        later = retries_of(s, run_id)
    return RunPage(run=_header(run, loaded.criterion, later), stats=run_stats(loaded, data),
                   filters=filters, criteria=criteria, criterion_note=note,
                   page=Page(page=page, per_page=per_page, total=len(chosen)), rows=rows,
                   versions=history)


def _header(run: RunRecord, criterion: str | None, retried_by: list[int]) -> RunHeader:
    return RunHeader(id=run.id, judge=run.judge, version=run.version,
                     judge_kind=run.version_kind, dataset=run.dataset, criterion=criterion,
                     status=run.status, model=run.model, error=run.error,
                     counters=run.counters, parent_run_id=run.parent_run_id,
                     retried_by=retried_by, created_at=run.created_at, started_at=run.started_at,
                     finished_at=run.finished_at)


def run_stats(loaded: RunComparisons, data: RunData) -> RunStats:
    """Header figures and the discrepancy breakdown of a run's comparisons."""
    total = len(loaded.items)
    compared = [p for i in loaded.items for p in i.compared]
    deltas = [d for d in (p.delta_100() for p in compared) if d is not None]
    direction = direction_counts(np.array(deltas, dtype=float))
    figures = run_agreement(loaded, data)
    undecided = sum(i.verdict is not None and i.verdict.undecided for i in loaded.items)
    errors = sum(i.verdict is not None and i.verdict.error is not None for i in loaded.items)
    pairwise = is_pairwise(loaded)
    return RunStats(
        total=total, human_reviewed=_share(sum(i.labeled for i in loaded.items), total),
        evaluated=_share(sum(i.verdict is not None for i in loaded.items), total),
        errors=errors - undecided, undecided=undecided,
        aligned=figures.rate, discrepancies=discrepancy_share(loaded),
        eval_higher=None if pairwise else direction["judge_higher"],
        human_higher=None if pairwise else direction["human_higher"],
        equal=None if pairwise else direction["equal"], agreement=figures, pairwise=pairwise)


def is_pairwise(loaded: RunComparisons) -> bool:
    """Whether the run's judge or labels choose between two outputs (no 0–100 reading)."""
    return loaded.judge_scale.kind == "pairwise" or (
        loaded.human_scale is not None and loaded.human_scale.kind == "pairwise")


def _share(k: int, n: int) -> float | None:
    return k / n if n else None


def cell_of(pair: Comparison) -> str:
    """The confusion cell of a compared pair: tp/fn/tn/fp, or `hXjY` on a pairwise scale."""
    if pair.human_scale.kind == "pairwise":
        return f"h{int(float(pair.human))}j{int(float(pair.judge or 0))}"
    human, judge = pair.human_pass(), pair.judge_pass()
    return ("t" if human == judge else "f") + ("p" if judge else "n")


def _keep(item: ItemComparison, f: RunFilters, loaded: RunComparisons) -> bool:
    if f.discrepancy and not item.discrepancy:
        return False
    if f.cell and not any(cell_of(p) == f.cell for p in item.compared):
        return False
    if f.human and item.labeled != (f.human == "completed"):
        return False
    verdict = item.verdict
    if f.eval == "error" and (verdict is None or verdict.error is None or verdict.undecided):
        return False
    if f.eval == "undecided" and (verdict is None or not verdict.undecided):
        return False
    if f.eval in ("completed", "pending") and (verdict is not None) != (f.eval == "completed"):
        return False
    if (f.human_min, f.human_max) != (None, None):
        side = _consensus_side(item, loaded)
        if not _within(_score(loaded, side), f.human_min, f.human_max):
            return False
    return _within(_judge_score(loaded, item), f.eval_min, f.eval_max)


def _within(value: float | None, low: float | None, high: float | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def _consensus_side(item: ItemComparison, loaded: RunComparisons) -> HumanSide | None:
    """What the row shows as the human side: the consensus (None when tied or unlabeled)."""
    if not item.ratings or loaded.human_scale is None:
        return None
    return consensus([r for r in item.ratings if r.resolved] or item.ratings,
                     loaded.human_scale)


def _score(loaded: RunComparisons, side: HumanSide | None) -> float | None:
    if side is None or loaded.human_scale is None:
        return None
    return _to_100(loaded.human_scale, side.value)


def _judge_score(loaded: RunComparisons, item: ItemComparison) -> float | None:
    if item.verdict is None or item.verdict.value is None:
        return None
    return _to_100(loaded.judge_scale, item.verdict.value)


def _to_100(scale: Any, value: Any) -> float | None:
    try:
        found = scale.to_100(value)
    except (ValueError, TypeError):
        return None
    return None if found is None else float(found)


def _row(loaded: RunComparisons, item: ItemComparison, record: Item) -> RunRow:
    scale = loaded.human_scale
    side = _consensus_side(item, loaded)
    verdict = item.verdict
    failed = [str(ch.get("question", ch)) for ch in (verdict.checks if verdict else [])
              if isinstance(ch, dict) and ch.get("passed") is False]
    return RunRow(
        item_id=item.key.id, external_id=item.key.external_id, position=item.key.position,
        inputs=record.inputs, output=record.output, output_2=record.output_2,
        human_value=side.value if side else None, human_score=_score(loaded, side),
        human_reasoning=side.reasoning if side else "",
        annotations=len(item.ratings) + item.unreadable,
        ratings=[Rating(annotator=r.annotator, value=r.value, resolved=r.resolved,
                        score=_to_100(scale, r.value) if scale else None)
                 for r in item.ratings],
        tied=bool(item.ratings) and side is None,
        eval_value=None if verdict is None else (
            verdict.value if verdict.value is not None else verdict.raw),
        eval_score=_judge_score(loaded, item),
        eval_reasoning=verdict.reasoning if verdict else "",
        eval_error=verdict.error if verdict else None,
        eval_undecided=verdict.undecided if verdict else False,
        p_pass=verdict.p_pass if verdict else None, failed_checks=failed,
        evaluated=verdict is not None, aligned=item.aligned, discrepancy=item.discrepancy)


def versions(s: Session, run: RunRecord, data: RunData, loaded: RunComparisons,
             keys: list[ItemKey]) -> list[VersionRow]:
    """Every run of this judge on this dataset, oldest first, each with its own agreement and
    discrepancy share under the page's policy and criterion.

    Args:
        keys: every item of the dataset (`repo_comparisons.item_keys`), not `data.keys`:
            a restricted run's keys are its own items only, and another run read on them
            would show a figure on this run's items under its own name.
    """
    out = []
    for other in dataset_runs(s, run.dataset_id, judge_id=run.judge_id):
        mine = loaded if other.id == run.id else compare(
            read_run_data(s, other, data.criterion, labels=data.labels, keys=keys),
            loaded.policy)
        head = headline(mine)
        out.append(VersionRow(run_id=other.id, version=other.version, status=other.status,
                              aligned=head["agreement"], discrepancies=discrepancy_share(mine),
                              n=head["comparisons"], items=len(mine.items),
                              scope=_scope_kind(other),
                              created_at=other.created_at))
    return out


def _scope_kind(run: RunRecord) -> str | None:
    if run.scope is None:
        return None
    return str(run.scope.get("kind") or "restricted")


def discrepancy_share(loaded: RunComparisons) -> float | None:
    """Share of compared pairs with a discrepancy, a gap ≥ 20 on 0–100 (None without pairs,
    and on a pairwise scale, where the share would only repeat the misses)."""
    if is_pairwise(loaded):
        return None
    compared = [p for i in loaded.items for p in i.compared]
    return _share(sum(p.discrepancy() for p in compared), len(compared))
