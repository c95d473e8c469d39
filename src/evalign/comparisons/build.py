"""(run, criterion, policy) → comparisons: the one read model every surface uses.

`read_run` reads a run's labels and verdicts once (`RunData`); `compare` pairs them under a
policy (`RunComparisons`), so a page can show both policies from one read. Each item of the
run's dataset becomes an `ItemComparison`: its ratings, its human side(s), its verdict
(sample 0) and the `stats.Comparison` pairs they make. A pair that cannot be compared is kept
with its cause (`stats.comparison.CAUSES`); annotators who tie under `consensus` and labels
their scale no longer reads make no pair and are counted in `RunComparisons.excluded`. Items
without labels are *unlabeled*, items without a verdict *pending*: neither is a pair.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from evalign.comparisons.aligned import run_judge_criterion
from evalign.comparisons.criterion import resolve_criterion
from evalign.comparisons.policy import DEFAULT_POLICY, HumanSide, Policy, Rating, human_sides
from evalign.items import Item
from evalign.judges.pairwise import UNCERTAIN
from evalign.scores import ScoreConfig, Value
from evalign.stats.comparison import Comparison, no_causes, verdict_pass
from evalign.store import Store
from evalign.store.repo_comparisons import (
    CriterionRecord,
    ItemKey,
    LabelRow,
    RunRecord,
    VerdictRow,
    item_keys,
    label_rows,
    run_record,
    verdict_rows,
)
from evalign.store.repo_items import iter_items
from evalign.store.repo_run_items import run_item_ids
from evalign.store.session import Session


@dataclass(frozen=True)
class RunData:
    """What one read of the store gives: a run, its criterion, its items' labels and verdicts."""

    run: RunRecord
    criterion: CriterionRecord | None
    keys: list[ItemKey]
    labels: dict[int, list[LabelRow]]
    verdicts: dict[int, list[VerdictRow]]
    items: dict[int, Item] = field(default_factory=dict)


@dataclass(frozen=True)
class JudgeSide:
    """An item's verdict (sample 0) as compared: its value read on the judge's scale."""

    value: Value | None
    """None when the verdict errored or its stored value does not read on the judge's scale."""
    raw: Any
    p_pass: float | None
    reasoning: str
    error: str | None
    checks: list[Any]
    error_kind: str | None = None
    """The verdict's error kind; `uncertain`: the judge declined to decide (its answer changed
    with the order), counted as `undecided_verdicts`, not as an error."""

    @property
    def undecided(self) -> bool:
        """Whether the verdict has no value because the judge declined to decide."""
        return self.value is None and self.error_kind == UNCERTAIN


@dataclass
class ItemComparison:
    """One item of the run's dataset under one policy."""

    key: ItemKey
    ratings: list[Rating]
    sides: list[HumanSide]
    verdict: JudgeSide | None
    pairs: list[Comparison]
    tied: bool = False
    unreadable: int = 0

    @property
    def labeled(self) -> bool:
        """Whether humans labeled the item on the criterion."""
        return bool(self.ratings) or self.unreadable > 0

    @property
    def compared(self) -> list[Comparison]:
        """The pairs that compare."""
        return [p for p in self.pairs if p.cause is None]

    @property
    def aligned(self) -> bool | None:
        """Whether every compared pair agrees; None when none compares."""
        compared = self.compared
        return all(p.aligned() for p in compared) if compared else None

    @property
    def discrepancy(self) -> bool:
        """Whether a compared pair is a discrepancy (0–100 gap ≥ 20, or a pairwise miss)."""
        return any(p.discrepancy() for p in self.compared)


@dataclass
class RunComparisons:
    """A run's comparisons under one policy, with what reports show around them."""

    run: RunRecord
    criterion: str | None
    policy: Policy
    human_scale: ScoreConfig | None
    judge_scale: ScoreConfig
    items: list[ItemComparison]
    samples: dict[Hashable, list[Hashable]] = field(default_factory=dict)
    swap_consistent: dict[int, bool] = field(default_factory=dict)
    records: dict[int, Item] = field(default_factory=dict)
    verdicts: int = 0
    errors: int = 0
    """Verdicts (every sample) that are errors; undecided verdicts are not."""
    undecided: int = 0
    """Verdicts (every sample) a pairwise judge declined to decide (order policy
    `uncertain`): no value, yet not errors."""

    @property
    def comparisons(self) -> list[Comparison]:
        """Every pair, comparable or not (those carry their cause), in item order."""
        return [p for item in self.items for p in item.pairs]

    @property
    def excluded(self) -> dict[str, int]:
        """Would-be pairs no comparison stands for: tied annotators, unreadable labels."""
        out = no_causes()
        for item in self.items:
            if item.verdict is not None:
                out["annotators_tied"] += item.tied
                out["unreadable_labels"] += item.unreadable
        return {k: v for k, v in out.items() if v}

    @property
    def unlabeled(self) -> int:
        """Evaluated items without a label on the criterion."""
        return sum(not i.labeled and i.verdict is not None for i in self.items)

    @property
    def pending(self) -> int:
        """Items without a verdict yet."""
        return sum(i.verdict is None for i in self.items)

    def ratings(self) -> dict[Hashable, dict[str, Value]]:
        """Item id → {annotator: value} of the annotators' own labels (no resolutions)."""
        return {i.key.id: {r.annotator: r.value for r in i.ratings if not r.resolved}
                for i in self.items if any(not r.resolved for r in i.ratings)}


def load_comparisons(store: Store, run_id: int, *, criterion: str | None = None,
                     policy: Policy = DEFAULT_POLICY, with_items: bool = False) -> RunComparisons:
    """A run's comparisons on `criterion` (the one rule chooses when None) under `policy`.

    Raises:
        NotFoundError: no such run or criterion.
        CriterionChoiceError: labels on several criteria and nothing chooses one.
    """
    return compare(read_run(store, run_id, criterion=criterion, with_items=with_items), policy)


def read_run(store: Store, run_id: int, *, criterion: str | None = None,
             with_items: bool = False) -> RunData:
    """Read a run's labels and verdicts once (see `load_comparisons`)."""
    with store.session() as session:
        run = run_record(session, run_id)
        chosen = resolve_criterion(session, run.dataset_id, criterion,
                                   run_judge_criterion(session, run), run.judge_scale)
        return read_run_data(session, run, chosen, with_items=with_items)


def read_run_data(session: Session, run: RunRecord, criterion: CriterionRecord | None, *,
                  labels: dict[int, list[LabelRow]] | None = None,
                  keys: list[ItemKey] | None = None, with_items: bool = False) -> RunData:
    """`RunData` of a run already looked up; `labels` and `keys` when the caller read them
    for several runs of one dataset (`read_labels`, `repo_comparisons.item_keys`). A run
    restricted to some items (`run.scope`) keeps only those: its figures cover them alone."""
    if keys is None:
        keys = item_keys(session, run.dataset_id)
    if run.scope is not None:
        kept = run_item_ids(session, run.id) or set()
        keys = [key for key in keys if key.id in kept]
    if labels is None:
        labels = read_labels(session, run.dataset_id, criterion)
    by_item: dict[int, list[VerdictRow]] = {}
    for row in verdict_rows(session, run.id):
        by_item.setdefault(row.item_id, []).append(row)
    items = {i.id: i for i in iter_items(session, run.dataset_id) if i.id is not None} \
        if with_items else {}
    return RunData(run, criterion, keys, labels, by_item, items)


def read_labels(session: Session, dataset_id: int, criterion: CriterionRecord | None
                ) -> dict[int, list[LabelRow]]:
    """A dataset's labels on one criterion, by item id."""
    found: dict[int, list[LabelRow]] = {}
    if criterion is not None:
        for row in label_rows(session, dataset_id, criterion.id):
            found.setdefault(row.item_id, []).append(row)
    return found


def compare(data: RunData, policy: Policy) -> RunComparisons:
    """Pair `data`'s labels and verdicts under `policy` (no store access)."""
    run, crit = data.run, data.criterion
    js = run.judge_scale
    out = RunComparisons(run=run, criterion=crit.name if crit else None, policy=policy,
                         human_scale=crit.scale if crit else None, judge_scale=js, items=[],
                         records=data.items)
    for key in data.keys:
        verdicts = data.verdicts.get(key.id, [])
        _count_samples(out, key.id, verdicts)
        first = next((v for v in verdicts if v.sample == 0), None)
        judge = _judge_side(js, first) if first is not None else None
        out.items.append(_item(out, key, data.labels.get(key.id, []), judge,
                               data.items.get(key.id)))
    return out


def _count_samples(out: RunComparisons, item_id: int, verdicts: Sequence[VerdictRow]) -> None:
    scale, run = out.judge_scale, out.run
    for row in verdicts:
        out.verdicts += 1
        undecided = row.error is not None and row.error_kind == UNCERTAIN
        out.undecided += undecided
        out.errors += row.error is not None and not undecided
        value = _read(scale, row.value) if row.error is None else None
        if value is not None:
            code = value if scale.kind == "pairwise" else verdict_pass(
                scale, value, row.p_pass, run.threshold)
            out.samples.setdefault(item_id, []).append(code)
        if row.sample == 0:
            for check in row.checks:
                # pairwise judges record whether their preference survived swapping the outputs
                if isinstance(check, dict) and "swap" in str(check.get("question", "")) \
                        and check.get("passed") is not None:
                    out.swap_consistent[item_id] = bool(check["passed"])


def _judge_side(scale: ScoreConfig, row: VerdictRow) -> JudgeSide:
    value = _read(scale, row.value) if row.error is None else None
    return JudgeSide(value, row.value, row.p_pass, row.reasoning, row.error, row.checks,
                     row.error_kind)


def _item(out: RunComparisons, key: ItemKey, labels: Sequence[LabelRow],
          judge: JudgeSide | None, record: Item | None) -> ItemComparison:
    hs = out.human_scale
    ratings, sides, unreadable = label_sides(labels, hs, out.policy) if hs else ([], [], 0)
    found = ItemComparison(key, ratings, sides, judge, [], tied=bool(ratings) and not sides,
                           unreadable=unreadable)
    if judge is None or hs is None:
        return found
    slices = _slices(record, key)
    found.pairs = [Comparison(
        item_id=key.id, human=side.value, judge=judge.value, human_scale=hs,
        judge_scale=out.judge_scale, p_pass=judge.p_pass, judge_threshold=out.run.threshold,
        criterion=out.criterion or "", judge_name=f"{out.run.judge}@v{out.run.version}",
        annotator=side.annotator, slices=slices, human_reasoning=side.reasoning,
        judge_reasoning=judge.reasoning or judge.error or "", sample=0,
        undecided=judge.undecided) for side in sides]
    return found


def label_sides(labels: Sequence[LabelRow], scale: ScoreConfig, policy: Policy
                ) -> tuple[list[Rating], list[HumanSide], int]:
    """An item's stored labels read on `scale`: its ratings, its human sides under `policy`
    (none when the annotators tie) and how many labels the scale does not read (per label;
    under `consensus`, 1 when none is readable, else 0)."""
    ratings = []
    for label in labels:
        value = _read(scale, label.value)
        if value is not None:
            ratings.append(Rating(label.annotator, value, label.reasoning, label.resolved))
    unreadable = len(labels) - len(ratings)
    if policy == "consensus":  # the readable labels still make the consensus
        unreadable = 0 if ratings else min(unreadable, 1)
    sides = human_sides(ratings, scale, policy) if ratings else []
    return ratings, sides, unreadable


def _read(scale: ScoreConfig, raw: Any) -> Value | None:
    try:
        return scale.parse_value(raw)
    except ValueError:
        return None


def _slices(record: Item | None, key: ItemKey) -> dict[str, Any]:
    """Item fields and metadata usable for breakdowns (short scalar values only)."""
    fields: dict[str, Any] = {"external_id": key.external_id}
    if record is None:
        return fields
    for name, value in record.inputs.items():
        if isinstance(value, (str, int, float, bool)) and len(str(value)) <= 200:
            fields[name] = value
    fields.update({k: v for k, v in record.metadata.items()
                   if isinstance(v, (str, int, float, bool)) or v is None})
    return fields
