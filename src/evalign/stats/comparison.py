"""Comparisons: a human label and a judge verdict on the same item and criterion, normalized.

A `Comparison` keeps the raw values with their scales; `normalize` turns a list of them into
`Normalized` NumPy arrays (pass/fail and 0–100 for both sides) that every statistic reads.
Pairs whose scales cannot be compared (text, mismatched categories) are counted in
`cannot_compare` and left out, as are pairs whose verdict has no value (an errored verdict,
or an undecided one: a pairwise judge whose answer changed with the order declined to decide);
`Normalized.causes` says how many for each cause (`CAUSES`).

The rules every surface shares live here, once: `verdict_pass` (when a verdict passes) and
`DISCREPANCY_DELTA` (a 0–100 gap of 20 or more is a discrepancy); 0–100 values come from
`ScoreConfig.to_100`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from evalign.scores import DECIMALS_100, PASS_FAIL, ScoreConfig, Value, comparable

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

DISCREPANCY_DELTA = 20.0
"""A gap of this many points or more on 0–100 between judge and human is a discrepancy."""

CAUSES = ("text_labels", "incompatible_scales", "errored_verdicts", "undecided_verdicts",
          "annotators_tied", "unreadable_labels")
"""Why a (label, verdict) pair could not be compared, in the order reports list them:
a text scale on either side; scales that do not compare (pairwise vs pass/fail, categories
that differ); a verdict without a value because the judge call or its answer failed; a
verdict without a value because the judge declined to decide (a pairwise answer that changed
with the order, under the order policy `uncertain`); annotators tied under the consensus
policy; a stored label its criterion's scale no longer reads."""


def no_causes() -> dict[str, int]:
    """Every cause with a count of 0, in `CAUSES` order."""
    return dict.fromkeys(CAUSES, 0)


def verdict_pass(scale: ScoreConfig, value: Value, p_pass: float | None = None,
                 threshold: float | None = None) -> bool | None:
    """Whether a verdict passes: the one rule every surface uses.

    A decision threshold (chosen by alignment) applies to p_pass when the model gave one,
    else to a numeric verdict's value; without a threshold the verdict's scale decides.
    None where the scale has no pass/fail (text, pairwise).
    """
    if threshold is not None:
        if p_pass is not None:
            return p_pass >= threshold
        if scale.group == "numeric":
            return float(value) >= threshold
    return scale.to_pass(value)


def cause_of(human_scale: ScoreConfig, judge_scale: ScoreConfig) -> str | None:
    """Why labels on `human_scale` cannot be compared with verdicts on `judge_scale`; None
    when they can."""
    if "text" in (human_scale.kind, judge_scale.kind):
        return "text_labels"
    return None if comparable(human_scale, judge_scale) else "incompatible_scales"


@dataclass(frozen=True)
class Comparison:
    """One (label, verdict) pair on the same item and criterion.

    Attributes:
        item_id: the item (store id or external id).
        human: the label's canonical value on `human_scale`.
        judge: the verdict's canonical value on `judge_scale` (None: the verdict errored,
            or was left undecided).
        human_scale: the label's scale.
        judge_scale: the verdict's scale.
        p_pass: the judge's probability of PASS, when the model gave log-probabilities.
        judge_threshold: a decision threshold chosen by alignment: on p_pass when present,
            else on the judge's numeric value. None: the scale's own threshold decides.
        criterion: what is judged.
        judge_name: the judge (or metric) name, for per-judge breakdowns.
        annotator: who gave the label.
        slices: item fields and metadata values usable for breakdowns.
        human_reasoning: the annotator's reasoning.
        judge_reasoning: the judge's reasoning.
        sample: the verdict's sample number (repeat runs).
        undecided: the verdict has no value because the judge declined to decide (its
            answer changed with the order), not because it failed: cause
            `undecided_verdicts` instead of `errored_verdicts`.
    """

    item_id: int | str
    human: Value
    judge: Value | None
    human_scale: ScoreConfig = PASS_FAIL
    judge_scale: ScoreConfig = PASS_FAIL
    p_pass: float | None = None
    judge_threshold: float | None = None
    criterion: str = "default"
    judge_name: str = ""
    annotator: str = ""
    slices: dict[str, Any] = field(default_factory=dict)
    human_reasoning: str = ""
    judge_reasoning: str = ""
    sample: int = 0
    undecided: bool = False

    @property
    def comparable(self) -> bool:
        """Whether the two values can be compared (scales fit and the verdict has a value)."""
        return self.judge is not None and comparable(self.human_scale, self.judge_scale)

    def human_pass(self) -> bool | None:
        """The label as pass/fail."""
        return self.human_scale.to_pass(self.human)

    def judge_pass(self) -> bool | None:
        """The verdict as pass/fail (`verdict_pass`)."""
        if self.judge is None:
            return None
        return verdict_pass(self.judge_scale, self.judge, self.p_pass, self.judge_threshold)

    @property
    def cause(self) -> str | None:
        """Why the pair cannot be compared (one of `CAUSES`); None when it can."""
        if (why := cause_of(self.human_scale, self.judge_scale)) is not None:
            return why
        if self.judge is None:
            return "undecided_verdicts" if self.undecided else "errored_verdicts"
        return None

    def aligned(self) -> bool | None:
        """Whether pass/fail (or, on a pairwise scale, the choice) agree; None when the pair
        cannot be compared. A judge's tie against a human's 1 or 2 is a disagreement."""
        if not self.comparable:
            return None
        if self.human_scale.kind == "pairwise":
            return float(self.human) == float(self.judge)  # type: ignore[arg-type]
        return self.human_pass() == self.judge_pass()

    def delta_100(self) -> float | None:
        """Judge minus human on 0–100 (to `DECIMALS_100` places); None where a side has no
        0–100 value."""
        if not self.comparable:
            return None
        assert self.judge is not None
        human, judge = self.human_scale.to_100(self.human), self.judge_scale.to_100(self.judge)
        return None if human is None or judge is None else round(judge - human, DECIMALS_100)

    def discrepancy(self) -> bool:
        """A gap of `DISCREPANCY_DELTA` or more on 0–100; without 0–100 values (pairwise),
        any disagreement."""
        delta = self.delta_100()
        if delta is not None:
            return abs(delta) >= DISCREPANCY_DELTA
        return self.aligned() is False


@dataclass(frozen=True)
class Normalized:
    """Comparable pairs as arrays; index i of every array is `kept[i]` of the input list.

    `human_pass`/`judge_pass` are NaN-free booleans; `human_100`/`judge_100` are NaN where a
    scale has no 0–100 value; `p_pass` is NaN where the verdict carried none. For pairwise
    scales `human_pass`/`judge_pass` hold "chose the same as" the first output (choice == 1)
    and `human_choice`/`judge_choice` the raw 0/1/2 choices.
    """

    human_pass: BoolArray
    judge_pass: BoolArray
    human_100: FloatArray
    judge_100: FloatArray
    p_pass: FloatArray
    kept: npt.NDArray[np.int64]
    cannot_compare: int
    pairwise: bool = False
    causes: dict[str, int] = field(default_factory=no_causes)
    """`cannot_compare` by cause (`CAUSES`)."""
    human_choice: FloatArray | None = None
    judge_choice: FloatArray | None = None

    @property
    def n(self) -> int:
        """How many pairs were comparable."""
        return int(self.human_pass.shape[0])

    @property
    def aligned(self) -> BoolArray:
        """Per pair: do human and judge agree (pass/fail, or the same pairwise choice)."""
        if self.pairwise and self.human_choice is not None and self.judge_choice is not None:
            return np.asarray(self.human_choice == self.judge_choice)
        return np.asarray(self.human_pass == self.judge_pass)

    @property
    def has_p_pass(self) -> bool:
        """Whether any verdict carried a probability of PASS."""
        return bool(np.isfinite(self.p_pass).any())


def normalize(
    comparisons: Sequence[Comparison], excluded: dict[str, int] | None = None
) -> Normalized:
    """Normalize comparisons to arrays; incomparable pairs are counted by cause and left out.

    Args:
        comparisons: the pairs.
        excluded: pairs the caller could not even form (e.g. `annotators_tied`), by cause;
            they add to `cannot_compare`.
    """
    causes = no_causes()
    for cause, count in (excluded or {}).items():
        causes[cause] = causes.get(cause, 0) + count
    kept: list[int] = []
    hp: list[bool] = []
    jp: list[bool] = []
    h100: list[float] = []
    j100: list[float] = []
    pp: list[float] = []
    hc: list[float] = []
    jc: list[float] = []
    pairwise = False
    for index, comp in enumerate(comparisons):
        if (why := comp.cause) is not None:
            causes[why] += 1
            continue
        assert comp.judge is not None
        if comp.human_scale.kind == "pairwise":
            pairwise = True
            hc.append(float(comp.human))
            jc.append(float(comp.judge))
            hp.append(float(comp.human) == 1.0)
            jp.append(float(comp.judge) == 1.0)
        else:
            h, j = comp.human_pass(), comp.judge_pass()
            if h is None or j is None:
                causes["incompatible_scales"] += 1
                continue
            hp.append(h)
            jp.append(j)
        kept.append(index)
        h100.append(_or_nan(comp.human_scale.to_100(comp.human)))
        j100.append(_or_nan(comp.judge_scale.to_100(comp.judge)))
        pp.append(_or_nan(comp.p_pass))
    return Normalized(
        human_pass=np.array(hp, dtype=bool),
        judge_pass=np.array(jp, dtype=bool),
        human_100=np.array(h100, dtype=float),
        judge_100=np.array(j100, dtype=float),
        p_pass=np.array(pp, dtype=float),
        kept=np.array(kept, dtype=np.int64),
        cannot_compare=sum(causes.values()),
        pairwise=pairwise,
        causes=causes,
        human_choice=np.array(hc, dtype=float) if pairwise else None,
        judge_choice=np.array(jc, dtype=float) if pairwise else None,
    )


def from_arrays(
    human_pass: npt.ArrayLike,
    judge_pass: npt.ArrayLike,
    *,
    human_100: npt.ArrayLike | None = None,
    judge_100: npt.ArrayLike | None = None,
    p_pass: npt.ArrayLike | None = None,
    cannot_compare: int = 0,
) -> Normalized:
    """Build `Normalized` straight from arrays (the fast path for very large inputs)."""
    hp = np.asarray(human_pass, dtype=bool)
    n = hp.shape[0]
    nan = np.full(n, np.nan)
    return Normalized(
        human_pass=hp,
        judge_pass=np.asarray(judge_pass, dtype=bool),
        human_100=nan if human_100 is None else np.asarray(human_100, dtype=float),
        judge_100=nan if judge_100 is None else np.asarray(judge_100, dtype=float),
        p_pass=nan if p_pass is None else np.asarray(p_pass, dtype=float),
        kept=np.arange(n, dtype=np.int64),
        cannot_compare=cannot_compare,
    )


def comparisons_from_lists(
    human: Sequence[Any],
    judge: Sequence[Any],
    *,
    human_scale: ScoreConfig | str = PASS_FAIL,
    judge_scale: ScoreConfig | str = PASS_FAIL,
    p_pass: Sequence[float | None] | None = None,
    item_ids: Sequence[int | str] | None = None,
    judge_threshold: float | None = None,
) -> list[Comparison]:
    """Comparisons from plain parallel lists of raw values (None in `judge`: errored verdict).

    Raises:
        ValueError: the lists differ in length, or a value lies outside its scale.
    """
    hs, js = ScoreConfig.parse(human_scale), ScoreConfig.parse(judge_scale)
    if len(human) != len(judge) or (p_pass is not None and len(p_pass) != len(human)):
        raise ValueError("human, judge and p_pass must have the same length")
    ids: Sequence[int | str] = item_ids if item_ids is not None else range(len(human))
    probs: Sequence[float | None] = p_pass if p_pass is not None else [None] * len(human)
    return [
        Comparison(
            item_id=ids[i],
            human=hs.parse_value(human[i]),
            judge=None if judge[i] is None else js.parse_value(judge[i]),
            human_scale=hs,
            judge_scale=js,
            p_pass=probs[i],
            judge_threshold=judge_threshold,
        )
        for i in range(len(human))
    ]


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)
