"""Numeric agreement on the common 0–100 scale: error, correlations, alignment and direction.

A pair is *aligned* when |judge − human| < `aligned_delta` (default 1 point) and a
*discrepancy* when it is ≥ `discrepancy_delta` (default 20 points); gaps are rounded to
`scores.DECIMALS_100` places first, so float noise never moves a pair across a threshold.
Correlations of constant inputs are undefined (None with a reason), never 0.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from evalign.scores import DECIMALS_100
from evalign.stats.bootstrap import DEFAULT_SEED, correlation_ci
from evalign.stats.comparison import DISCREPANCY_DELTA, FloatArray

ALIGNED_DELTA = 1.0
__all__ = ["ALIGNED_DELTA", "DISCREPANCY_DELTA", "direction_counts", "numeric_metrics"]


def numeric_metrics(
    human_100: FloatArray,
    judge_100: FloatArray,
    *,
    aligned_delta: float = ALIGNED_DELTA,
    discrepancy_delta: float = DISCREPANCY_DELTA,
    seed: int = DEFAULT_SEED,
    intervals: bool = True,
) -> dict[str, Any]:
    """MAE, Pearson, Spearman, Kendall (each with a 95% interval), aligned and discrepancy %.

    Pairs where either side has no 0–100 value (NaN) are left out. `intervals=False` skips
    the bootstrap (every `_ci` is None, `correlation_ci_method` too): for many small rows, such
    as one per rater, where a second each would add up. Returns a dict with
    `n, mae, mae_ci, pearson, pearson_ci, spearman, spearman_ci, kendall, kendall_ci,
    correlation_ci_method, aligned_pct, discrepancy_pct, judge_higher, human_higher, equal,
    mean_delta, aligned_delta, discrepancy_delta, undefined`.
    """
    mask = np.isfinite(human_100) & np.isfinite(judge_100)
    h, j = human_100[mask], judge_100[mask]
    n = int(h.shape[0])
    delta = np.round(j - h, DECIMALS_100)
    undefined: dict[str, str] = {}
    out: dict[str, Any] = {"n": n, "aligned_delta": aligned_delta,
                           "discrepancy_delta": discrepancy_delta}
    if n == 0:
        for name in ("mae", "pearson", "spearman", "kendall", "aligned_pct", "discrepancy_pct",
                     "mean_delta"):
            out[name], undefined[name] = None, "no pairs with 0–100 values"
        out.update(judge_higher=0, human_higher=0, equal=0, mae_ci=None, pearson_ci=None,
                   spearman_ci=None, kendall_ci=None, correlation_ci_method=None,
                   undefined=undefined)
        return out
    absolute = np.abs(delta)
    out["mae"] = float(absolute.mean())
    out["mae_ci"] = _mean_ci(absolute, seed) if intervals else None
    out["mean_delta"] = float(delta.mean())
    out["aligned_pct"] = float((absolute < aligned_delta).mean() * 100)
    out["discrepancy_pct"] = float((absolute >= discrepancy_delta).mean() * 100)
    out.update(direction_counts(delta))
    method = None
    for name in ("pearson", "spearman", "kendall"):
        value, reason = _correlation(h, j, name)
        out[name] = value
        if value is None:
            undefined[name] = reason
            out[f"{name}_ci"] = None
        elif not intervals:
            out[f"{name}_ci"] = None
        else:
            out[f"{name}_ci"], method = correlation_ci(h, j, name, seed=seed, estimate=value)
    out["correlation_ci_method"] = method
    out["undefined"] = undefined
    return out


def direction_counts(delta: FloatArray) -> dict[str, int]:
    """Which side scored higher, pair by pair, by the exact sign of judge − human.

    Args:
        delta: judge − human per pair on 0–100, rounded to `scores.DECIMALS_100` places
            (`Comparison.delta_100`); NaN (no 0–100 value) is left out.

    Returns:
        `{"judge_higher", "human_higher", "equal"}`: pairs with delta > 0, < 0 and == 0. No
        band around zero: a gap of 0.5 points is a higher score, as in `numeric_metrics`.
    """
    finite = delta[np.isfinite(delta)]
    return {"judge_higher": int((finite > 0).sum()), "human_higher": int((finite < 0).sum()),
            "equal": int((finite == 0).sum())}


def _correlation(h: FloatArray, j: FloatArray, method: str) -> tuple[float | None, str]:
    # imported here, not at module level: SciPy/scikit-learn take seconds to import
    from scipy import stats as sps

    if h.shape[0] < 2:
        return None, "fewer than 2 pairs"
    if np.ptp(h) == 0 or np.ptp(j) == 0:
        return None, "constant values on one side"
    if method == "pearson":
        value = float(sps.pearsonr(h, j).statistic)
    elif method == "spearman":
        value = float(sps.spearmanr(h, j).statistic)
    else:
        value = float(sps.kendalltau(h, j).statistic)
    return (value, "") if math.isfinite(value) else (None, "undefined for these values")


def _mean_ci(values: FloatArray, seed: int, resamples: int = 1000) -> list[float] | None:
    """Bootstrap interval of a mean; beyond 2,000 values the normal interval is used."""
    n = values.shape[0]
    if n < 2:
        return None
    if n > 2000:
        half = 1.959963984540054 * float(values.std(ddof=1)) / math.sqrt(n)
        return [float(values.mean()) - half, float(values.mean()) + half]
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return [float(low), float(high)]
