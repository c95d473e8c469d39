"""The top-level reports: everything a team reads before letting a judge gate a release.

`agreement_report` gives exactly the JSON of `evalign report RUN --format json`;
`paired_report` the `paired` block of `--vs`. Both take `Comparison` records;
`agreement_report_arrays` takes ready arrays (the fast path, timed by the benchmarks).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from evalign.stats.binary import binary_metrics, wilson_ci
from evalign.stats.bootstrap import DEFAULT_SEED
from evalign.stats.comparison import Comparison, Normalized, from_arrays, normalize
from evalign.stats.numeric import ALIGNED_DELTA, DISCREPANCY_DELTA, numeric_metrics
from evalign.stats.paired import paired_difference
from evalign.stats.warnings import MIN_COMPARISONS, collect_warnings

_ORDER = (
    "comparisons", "cannot_compare", "cannot_compare_causes", "agreement", "agreement_ci",
    "agreement_all", "agreement_all_ci", "misaligned", "confusion",
    "fail_precision", "fail_precision_ci", "fail_recall", "fail_recall_ci", "fail_f1",
    "fail_f1_ci", "pass_precision", "pass_precision_ci", "pass_recall", "pass_recall_ci",
    "pass_f1", "pass_f1_ci", "kappa", "kappa_ci", "mcc", "mcc_ci", "balanced_accuracy",
    "balanced_accuracy_ci", "true_pass_rate", "true_pass_rate_ci", "true_fail_rate",
    "true_fail_rate_ci", "auc", "auc_ci", "brier", "calibration", "numeric", "warnings",
    "undefined",
)
_ONLY_WHEN_SET = frozenset({"agreement_all", "agreement_all_ci"})
"""Keys of `_ORDER` a report carries only where they apply (absent otherwise)."""


def agreement_report(
    comparisons: Sequence[Comparison],
    *,
    excluded: dict[str, int] | None = None,
    aligned_delta: float = ALIGNED_DELTA,
    discrepancy_delta: float = DISCREPANCY_DELTA,
    min_comparisons: int = MIN_COMPARISONS,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """All agreement statistics of a list of comparisons, as JSON-ready data.

    `excluded` counts pairs the caller could not form, by cause (`stats.comparison.CAUSES`,
    e.g. `annotators_tied`); they add to `cannot_compare`.

    Keys: `comparisons, cannot_compare, cannot_compare_causes{text_labels,
    incompatible_scales, errored_verdicts, undecided_verdicts, annotators_tied,
    unreadable_labels}, agreement, agreement_ci, [agreement_all, agreement_all_ci], misaligned,
    confusion{tp,fn,tn,fp}, fail_precision, fail_recall, fail_f1, pass_precision, pass_recall,
    pass_f1, kappa, kappa_ci, mcc, balanced_accuracy, true_pass_rate, true_fail_rate, auc,
    brier, calibration, numeric{mae, pearson, spearman, kendall, aligned_pct, discrepancy_pct,
    judge_higher, human_higher, equal, ...}, warnings, undefined` — each rate with a `_ci`.
    Values that do not apply are None; `undefined` says why. `agreement_all` (with its Wilson
    `agreement_all_ci`) is present only when some verdicts are undecided: the agreement over
    the comparable pairs plus the undecided ones, those counted as misses.
    """
    norm = normalize(comparisons, excluded)
    numeric = all(
        comparisons[i].human_scale.group not in ("boolean", "pairwise")
        and comparisons[i].judge_scale.group not in ("boolean", "pairwise")
        for i in norm.kept
    )
    return report_from_normalized(
        norm, numeric=numeric and norm.n > 0, aligned_delta=aligned_delta,
        discrepancy_delta=discrepancy_delta, min_comparisons=min_comparisons, seed=seed,
    )


def agreement_report_arrays(
    human_pass: Any,
    judge_pass: Any,
    *,
    human_100: Any = None,
    judge_100: Any = None,
    p_pass: Any = None,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """`agreement_report` on ready arrays: 1,000,000 pairs take well under a second or two."""
    norm = from_arrays(human_pass, judge_pass, human_100=human_100, judge_100=judge_100,
                       p_pass=p_pass)
    numeric = human_100 is not None and judge_100 is not None
    return report_from_normalized(norm, numeric=numeric, seed=seed)


def report_from_normalized(
    norm: Normalized,
    *,
    numeric: bool,
    aligned_delta: float = ALIGNED_DELTA,
    discrepancy_delta: float = DISCREPANCY_DELTA,
    min_comparisons: int = MIN_COMPARISONS,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """The report of normalized arrays; `numeric` says whether both scales are numeric."""
    body = binary_metrics(norm, seed=seed)
    body["comparisons"] = norm.n
    body["cannot_compare"] = norm.cannot_compare
    body["cannot_compare_causes"] = dict(norm.causes)
    body.update(_agreement_all(norm))
    body["numeric"] = (
        numeric_metrics(norm.human_100, norm.judge_100, aligned_delta=aligned_delta,
                        discrepancy_delta=discrepancy_delta, seed=seed)
        if numeric else None
    )
    body["warnings"] = collect_warnings(norm, min_comparisons=min_comparisons)
    ordered = {key: body.get(key) for key in _ORDER if key in body or key not in _ONLY_WHEN_SET}
    ordered.update({k: v for k, v in body.items() if k not in ordered})
    cleaned: dict[str, Any] = finite(ordered)
    return cleaned


def _agreement_all(norm: Normalized) -> dict[str, Any]:
    """`agreement_all` and its Wilson interval: the comparable pairs plus the undecided ones,
    those counted as misses, so a judge cannot look better by declining to decide. Empty
    when no verdict is undecided (the figure would equal `agreement`)."""
    undecided = norm.causes.get("undecided_verdicts", 0)
    if not undecided:
        return {}
    hits, total = int(norm.aligned.sum()), norm.n + undecided
    return {"agreement_all": hits / total, "agreement_all_ci": wilson_ci(hits, total)}


def finite(data: Any) -> Any:
    """`data` with every NaN or infinity replaced by None, so the JSON stays valid."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [finite(v) for v in data]
    return data


def paired_report(
    baseline: Sequence[Comparison],
    candidate: Sequence[Comparison],
    *,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """The paired block of two runs on the same items: `difference` = candidate − baseline.

    Keys: `pairs, baseline_agreement, candidate_agreement, difference, difference_ci,
    mcnemar_p, flipped_to_aligned, flipped_to_misaligned, undecided_as_misses,
    errored_left_out, unmatched, notes, undefined`. A side's undecided verdict counts as its
    miss; a pair with an errored verdict is left out and counted (`stats.paired`).
    """
    return paired_difference(baseline, candidate, seed=seed)


def misaligned(comparisons: Sequence[Comparison]) -> list[Comparison]:
    """The comparable comparisons on which human and judge disagree, in input order."""
    norm = normalize(comparisons)
    return [comparisons[i] for i in norm.kept[~norm.aligned]]


