"""Turning a decomposed judge's per-check P(yes) into one verdict.

Methods (a JSON-ready dict stored in `JudgeSpec.checks["aggregation"]`):

    {"method": "all_pass"}                          every check answered yes (P(yes) ≥ 0.5)
    {"method": "min_threshold", "threshold": t}     the weakest check's P(yes) ≥ t
    {"method": "count_failed", "max_failed": k}     at most k checks answered no
    {"method": "geomean_threshold", "threshold": t} the geometric mean of P(yes) ≥ t (a soft
                                                    count of missing points: one clear "no"
                                                    or several doubtful ones fail the item)
    {"method": "logistic", "coef": [...], "intercept": b}
                                                    a small logistic model over sorted check
                                                    probabilities (see `features`)
    {"method": "mean"}                              the mean P(yes): the share of checks met,
                                                    counted softly (a numeric judge's raw score)

An item with no checks passes only under `all_pass`/`count_failed` (nothing is missing) and
scores NaN-free 1.0 for the weakest check. Learning an aggregation on labeled items is
alignment's work (`evalign.align.aggregate`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

METHODS = ("all_pass", "min_threshold", "count_failed", "geomean_threshold", "logistic")
NUMERIC_METHODS = ("mean", "geomean_threshold", "count_failed")
"""The aggregations whose score is a graded 0–1 figure, for numeric scales."""
FLOOR = 1e-4


def features(probs: Sequence[float]) -> list[float]:
    """Order-free features of one item's check probabilities.

    The weakest, second weakest and mean P(yes), the share of checks answered no, and the
    mean log P(yes).
    """
    ordered = sorted(probs) or [1.0]
    second = ordered[1] if len(ordered) > 1 else ordered[0]
    failed = sum(p < 0.5 for p in ordered) / len(ordered)
    return [ordered[0], second, float(np.mean(ordered)), failed, _mean_log(ordered)]


def _mean_log(probs: Sequence[float]) -> float:
    return float(np.mean(np.log(np.clip(np.asarray(probs, dtype=float), FLOOR, 1.0)))) \
        if len(probs) else 0.0


def score(aggregation: dict[str, Any], probs: Sequence[float]) -> float:
    """The pass score in [0, 1] (comparable to the aggregation's own threshold)."""
    method = aggregation.get("method", "min_threshold")
    if method == "logistic":
        z = float(np.dot(aggregation["coef"], features(probs))) + float(aggregation["intercept"])
        return 1.0 / (1.0 + math.exp(-z))
    if method == "count_failed":
        return 1.0 - features(probs)[3]
    if method == "geomean_threshold":
        return math.exp(_mean_log(probs))
    if method == "mean":
        return float(np.mean(probs)) if len(probs) else 1.0
    return min(probs, default=1.0)


def decide(aggregation: dict[str, Any], probs: Sequence[float]) -> bool:
    """Pass or fail under the aggregation."""
    method = aggregation.get("method", "min_threshold")
    if method == "all_pass":
        return all(p >= 0.5 for p in probs)
    if method == "count_failed":
        return sum(p < 0.5 for p in probs) <= int(aggregation.get("max_failed", 0))
    if method in ("logistic", "geomean_threshold", "mean"):
        return score(aggregation, probs) >= float(aggregation.get("threshold", 0.5))
    return min(probs, default=1.0) >= float(aggregation.get("threshold", 0.5))
