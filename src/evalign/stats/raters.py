"""A numeric judge against several raters: their mean, each rater, and the raters' own gap.

Where each item carries scores from several raters (SQuALITY-style 0–100 ratings), one figure
against "the humans" hides two questions: how close is the judge to the raters' mean, and to
each rater? The raters themselves differ; their mean gap is the ceiling of the judge's gap.

Input is `ratings`: item → {rater: canonical value} on one numeric (or star) scale, and the
judge's value on 0–100 per item. Every figure comes from `numeric_metrics` (MAE, Spearman,
Kendall, on 0–100) or `annotators.mean_rater_gap`, so it reads exactly as the reports' own.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np

from evalign.scores import ScoreConfig
from evalign.stats.annotators import Ratings, mean_rater_gap
from evalign.stats.bootstrap import DEFAULT_SEED
from evalign.stats.numeric import numeric_metrics

_ROW = ("n", "mae", "spearman", "kendall", "undefined")
_MEAN_ROW = (*_ROW, "mae_ci", "spearman_ci", "kendall_ci", "pearson", "correlation_ci_method")


def judge_vs_raters(ratings: Ratings, scale: ScoreConfig, judge: Mapping[Hashable, float],
                    *, seed: int = DEFAULT_SEED) -> dict[str, Any] | None:
    """The judge against the raters' per-item mean and against each rater, on 0–100.

    Args:
        ratings: item → {rater: value on `scale`}; items the judge has no value for are
            left out (an errored verdict has no value to compare).
        scale: the raters' scale (numeric or stars).
        judge: item → the judge's value on 0–100.
        seed: seeds the bootstrap intervals of the `mean` row.

    Returns:
        None when `scale` has no 0–100 values or no item has both a judge value and a
        rating; else `{"items", "raters", "mean", "each", "judge_gap_100", "rater_gap_100",
        "rater_gap_items"}`:
        `mean` holds n, MAE (with its interval), Spearman, Kendall (with intervals) and
        Pearson of the judge vs each item's mean rating; `each` the same without intervals
        per rater (n, MAE, Spearman, Kendall; a figure undefined for that rater is None);
        `judge_gap_100` the judge's mean gap to a single rater over every (item, rater) pair,
        to read beside `rater_gap_100`, the mean rater-to-rater gap over the
        `rater_gap_items` of these items that have two raters or more (None when none has).
    """
    if scale.group != "numeric":
        return None
    scored = {item: {rater: _to_100(scale, value) for rater, value in per.items()}
              for item, per in ratings.items() if item in judge and per}
    if not scored:
        return None
    items = list(scored)
    judged = np.array([judge[i] for i in items], dtype=float)
    means = np.array([np.mean(list(scored[i].values())) for i in items], dtype=float)
    names = sorted({r for per in scored.values() for r in per})
    mean = numeric_metrics(means, judged, seed=seed)
    each = {name: _row(_pairs(scored, judge, name), _ROW) for name in names}
    pooled = _pairs(scored, judge, None)
    multi = {i: ratings[i] for i in items if len(ratings[i]) >= 2}
    return {
        "items": len(items), "raters": len(names),
        "mean": _row((means, judged), _MEAN_ROW, mean),
        "each": each,
        "judge_gap_100": numeric_metrics(*pooled, intervals=False)["mae"],
        "rater_gap_100": mean_rater_gap(multi, scale),
        "rater_gap_items": len(multi),
    }


def _to_100(scale: ScoreConfig, value: Any) -> float:
    score = scale.to_100(value)
    return float("nan") if score is None else score


def _pairs(scored: Mapping[Hashable, Mapping[str, float]], judge: Mapping[Hashable, float],
           rater: str | None) -> tuple[Any, Any]:
    """(human, judge) arrays for one rater's items, or for every (item, rater) when None."""
    human, model = [], []
    for item, per in scored.items():
        for name, value in per.items():
            if rater is None or name == rater:
                human.append(value)
                model.append(judge[item])
    return np.array(human, dtype=float), np.array(model, dtype=float)


def _row(arrays: tuple[Any, Any], keys: tuple[str, ...],
         found: dict[str, Any] | None = None) -> dict[str, Any]:
    figures = found if found is not None else numeric_metrics(*arrays, intervals=False)
    return {key: figures.get(key) for key in keys}
