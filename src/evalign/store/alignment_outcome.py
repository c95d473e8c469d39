"""The typed record of an alignment run: its phases, sources and outcome.

One model, shared by the store (which validates the outcome on write and parses it on read),
the CLI (`evalign align status`) and the web pages (which read attributes, never dict keys).
Every model keeps unknown keys (`extra="allow"`), so an outcome written by a newer engine, or
an older one missing a key, still reads back whole; a missing figure is None, never a made-up 0.

    AlignmentOutcome
      baseline, candidate: Figures        the agreement reports on the test split
        .numeric: NumericFigures          numeric judge vs numeric labels: MAE, ρ, τ on 0–100
      paired: Paired                      candidate − baseline on the same test items
      trivial_baselines: {name: Figures}  majority / length baselines on the test split
      trivial_numeric: {name: NumericFigures}  numeric: train mean / length line, test MAE
      validation: Validation              the validation curve the candidate was chosen on
      human_ceiling: HumanCeiling         annotators vs each other, and the judge's place
      order_policy: OrderChoice           pairwise: tie or uncertain when the orders disagree
      raters: {side: RaterFigures}        numeric: the judge vs the raters' mean and each rater
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    """Typed where known, and keeping every other key as stored."""

    model_config = ConfigDict(extra="allow", frozen=True)


class NumericFigures(_Open):
    """A numeric judge against numeric labels on 0–100 (`evalign.stats.numeric_metrics`), or a
    trivial numeric baseline (`align.baselines.numeric_baselines`: description, mae, spearman, n).

    Attributes:
        n: pairs with a 0–100 value on both sides.
        mae: mean absolute error in 0–100 points; `mae_ci` its 95% interval as [low, high].
        spearman, kendall: rank correlations (None when undefined), with 95% intervals.
        aligned_pct, discrepancy_pct: shares of pairs within 1 point / 20 points or more apart,
            in percent (0–100).
    """

    n: int | None = None
    mae: float | None = None
    mae_ci: list[float | None] | None = None
    spearman: float | None = None
    spearman_ci: list[float | None] | None = None
    kendall: float | None = None
    kendall_ci: list[float | None] | None = None
    aligned_pct: float | None = None
    discrepancy_pct: float | None = None
    description: str = ""


class Figures(_Open):
    """An agreement report (`evalign.stats.agreement_report`) or a trivial baseline's figures.

    Attributes:
        agreement: share of comparable pairs that agree, 0–1 (None when none compare).
        agreement_ci: its 95% interval as [low, high], 0–1.
        comparisons: how many pairs compared.
        numeric: the 0–100 figures when judge and labels are both numeric, else None.
    """

    agreement: float | None = None
    agreement_ci: list[float | None] | None = None
    kappa: float | None = None
    fail_f1: float | None = None
    comparisons: int | None = None
    description: str = ""
    numeric: NumericFigures | None = None


class Paired(_Open):
    """The paired difference on the test items (`evalign.stats.paired_report`), 0–1 units."""

    pairs: int | None = None
    difference: float | None = None
    difference_ci: list[float | None] | None = None
    mcnemar_p: float | None = None


class CurvePoint(_Open):
    """One candidate tried on the validation split: its agreement (0–1) or, for a numeric
    strategy, its MAE on 0–100 (`val_mae`); `split`: the rubric split it used (model/rules)."""

    strategy: str = ""
    round: int | str | None = None
    method: str | None = None
    val_agreement: float | None = None
    val_mae: float | None = None
    split: str | None = None
    kept: bool = False


class Validation(_Open):
    """Validation agreement (0–1) of the base judge and the chosen candidate, and the curve."""

    baseline: float | None = None
    candidate: float | None = None
    curve: list[CurvePoint] = Field(default_factory=list)


class HumanCeiling(_Open):
    """How well the annotators agree among themselves (`align.ceiling.human_ceiling`).

    Attributes:
        agreement: each annotator vs the majority of the others, averaged, 0–1.
        items: items with two or more annotators; `annotators`: how many annotators.
        mean_abs_diff_100: the mean rater-to-rater gap on 0–100 (ordered scales only).
        chance: the trivial majority baseline's test agreement, 0–1.
        judge: the candidate's test agreement, 0–1.
        judge_position: (judge − chance) / (ceiling − chance): 0 at chance, 1 at the
            ceiling; None when the ceiling is not above chance.
    """

    agreement: float | None = None
    items: int | None = None
    annotators: int | None = None
    mean_abs_diff_100: float | None = None
    krippendorff_alpha: float | None = None
    chance: float | None = None
    judge: float | None = None
    judge_position: float | None = None


class OrderTest(_Open):
    """The candidate's test items without a verdict under its order policy."""

    items: int | None = None
    uncertain: int | None = None
    agreement_all: float | None = None
    """Test agreement counting items without a verdict as misses, 0–1."""


class OrderChoice(_Open):
    """A pairwise candidate's order policy, chosen on validation (`align.order_policy`).

    Attributes:
        chosen: `tie` or `uncertain`: what answers that change with the order become.
        why: the reason, in words.
        before: the policy the candidate had before the choice.
        validation: per policy, `{"agreement", "agreement_all", "decided", "uncertain",
            "items"}` on the validation split.
        test: the test items left without a verdict.
        folds: each fold's choice (cross-validation only).
    """

    chosen: str | None = None
    why: str = ""
    before: str | None = None
    validation: dict[str, dict[str, Any]] = Field(default_factory=dict)
    test: OrderTest = Field(default_factory=OrderTest)
    folds: list[str] = Field(default_factory=list)


class RaterFigures(_Open):
    """A numeric judge on test against several raters (`stats.raters.judge_vs_raters`).

    Attributes:
        items: test items with a judge value and a rating; `raters`: how many raters.
        mean: n, MAE, Spearman, Kendall (with intervals) vs each item's mean rating, 0–100.
        each: rater → n, MAE, Spearman, Kendall vs that rater alone.
        judge_gap_100: the judge's mean gap to one rater over every (item, rater) pair.
        rater_gap_100: the mean rater-to-rater gap, the ceiling of `judge_gap_100`, over
            `rater_gap_items` test items with two raters or more (None: stored before it
            was counted).
    """

    items: int | None = None
    raters: int | None = None
    mean: dict[str, Any] = Field(default_factory=dict)
    each: dict[str, dict[str, Any]] = Field(default_factory=dict)
    judge_gap_100: float | None = None
    rater_gap_100: float | None = None
    rater_gap_items: int | None = None


class Phase(_Open):
    """One phase's state: `waiting`, `running`, `done`, `error` or `cancelled`."""

    status: str = "waiting"
    done: int | None = None
    total: int | None = None
    seconds: float | None = None
    started_at: str | None = None


class Sources(_Open):
    """What the run learned from: dataset names or completed run ids."""

    datasets: list[str] = Field(default_factory=list)
    runs: list[int] = Field(default_factory=list)


class AlignmentOutcome(_Open):
    """What an aligned run found, all measured on the test split no optimizer saw.

    Attributes:
        split: item counts per part (`train`, `val`, `test`).
        disagreements, agreeing_skipped, errors_skipped: the base judge's train verdicts that
            disagree with the human (the traces), agree, or are errors (no verdict to compare).
        recommended: whether the candidate beats the baseline judge and every trivial
            baseline on test; `recommendation` says why in words (empty for runs stored
            before recommendations existed).
        candidate_spec: the candidate judge, as `evalign.judges.serialize.spec_to_dict`.
        test_items: the item ids (or external ids) of the test split.
    """

    run: int | None = None
    criterion: str | None = None
    split: dict[str, int] = Field(default_factory=dict)
    folds: int = 1
    disagreements: int | None = None
    agreeing_skipped: int | None = None
    errors_skipped: int = 0
    traces_warning: str | None = None
    strategy: str | None = None
    guidelines: str = ""
    threshold: float | None = None
    prompt_diff: str = ""
    checks: dict[str, Any] | None = None
    validation: Validation = Field(default_factory=Validation)
    baseline: Figures = Field(default_factory=Figures)
    candidate: Figures = Field(default_factory=Figures)
    paired: Paired = Field(default_factory=Paired)
    significant: bool = False
    conclusion: str = ""
    trivial_baselines: dict[str, Figures] = Field(default_factory=dict)
    trivial_numeric: dict[str, NumericFigures] = Field(default_factory=dict)
    recommended: bool = False
    recommendation: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    calls: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    per_phase: dict[str, dict[str, Any]] = Field(default_factory=dict)
    test_items: list[int | str] = Field(default_factory=list)
    split_items: dict[str, list[int | str]] = Field(default_factory=dict)
    candidate_spec: dict[str, Any] = Field(default_factory=dict)
    wall_s: float | None = None
    human_ceiling: HumanCeiling | None = None
    order_policy: OrderChoice | None = None
    raters: dict[str, RaterFigures | None] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, every stored key included (unset optional figures as null)."""
        return self.model_dump(mode="json")


def parse_outcome(stored: dict[str, Any] | None) -> AlignmentOutcome | None:
    """The stored JSON as a typed outcome; None for a run that has none (not aligned)."""
    return AlignmentOutcome.model_validate(stored) if stored else None
