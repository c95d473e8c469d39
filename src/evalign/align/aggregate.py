"""Learning how a decomposed judge aggregates its checks, on labeled items.

Each method of `evalign.judges.aggregate` (where the verdict rule itself lives) has one
parameter fitted here to maximize agreement with the human labels; `learn` and `learn_cv`
choose among the methods on held-out items.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from evalign.align.calibrate import METHODS as MAPS
from evalign.align.calibrate import fit_calibration
from evalign.judges.aggregate import METHODS, NUMERIC_METHODS, decide, features, score
from evalign.judges.calibrated import map_100

# METHODS is the learners' default choice, named here for the strategies that pass it on.
__all__ = ["METHODS", "NUMERIC_METHODS", "accuracy", "fit", "learn", "learn_cv", "learn_numeric"]


def accuracy(aggregation: dict[str, Any], prob_lists: Sequence[Sequence[float]],
             labels: Sequence[bool]) -> float:
    """Share of items where the aggregation agrees with the labels (NaN when there are none)."""
    if not labels:
        return math.nan
    hits = [decide(aggregation, p) == y for p, y in zip(prob_lists, labels, strict=True)]
    return float(np.mean(hits))


def fit(method: str, prob_lists: Sequence[Sequence[float]],
        labels: Sequence[bool]) -> dict[str, Any]:
    """Fit one method's parameter on labeled items (maximizing agreement)."""
    if method == "all_pass":
        return {"method": "all_pass"}
    if method == "count_failed":
        counts = [sum(p < 0.5 for p in probs) for probs in prob_lists]
        best = _best_cut([-c for c in counts], labels)
        return {"method": "count_failed", "max_failed": int(-best) if best is not None else 0}
    if method == "logistic":
        return _fit_logistic(prob_lists, labels)
    if method == "geomean_threshold":
        scores = [score({"method": method}, p) for p in prob_lists]
        cut = _best_cut(scores, labels)
        return {"method": method, "threshold": 0.5 if cut is None else cut}
    mins = [min(p, default=1.0) for p in prob_lists]
    cut = _best_cut(mins, labels)
    return {"method": "min_threshold", "threshold": 0.5 if cut is None else cut}


def learn(prob_lists: Sequence[Sequence[float]], labels: Sequence[bool],
          val_probs: Sequence[Sequence[float]], val_labels: Sequence[bool],
          methods: Sequence[str] = METHODS) -> tuple[dict[str, Any], dict[str, float]]:
    """Choose the aggregation: fit each method on train, pick the best on validation, refit on both.

    Returns:
        The chosen aggregation (fitted on train + validation) and each method's validation
        agreement.
    """
    scores = {m: accuracy(fit(m, prob_lists, labels), val_probs, val_labels) for m in methods}
    # Ties go to the earlier (simpler) method.
    chosen = max(methods, key=lambda m: (-1.0 if math.isnan(scores[m]) else scores[m],
                                         -methods.index(m)))
    both = list(prob_lists) + list(val_probs)
    return fit(chosen, both, list(labels) + list(val_labels)), scores


def learn_cv(prob_lists: Sequence[Sequence[float]], labels: Sequence[bool],
             groups: Sequence[str], methods: Sequence[str] = METHODS, *, folds: int = 5,
             seed: int = 0) -> tuple[dict[str, Any], dict[str, float]]:
    """Choose the aggregation by grouped cross-validation over all the given (train + val) items.

    Every method is fitted on K−1 folds and scored on the held fold; the method with the best
    pooled agreement wins (ties: the simpler one) and is refitted on everything. Uses more of
    the labeled data than a single validation split, which matters with a few dozen items.

    Returns:
        The chosen aggregation and each method's cross-validated agreement.
    """
    from sklearn.model_selection import GroupKFold

    k = min(folds, len(set(groups)))
    if k < 2:
        return learn(prob_lists, labels, prob_lists, labels, methods)
    hits: dict[str, int] = dict.fromkeys(methods, 0)
    splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
    for fit_idx, held_idx in splitter.split(prob_lists, labels, groups):
        fit_p = [prob_lists[i] for i in fit_idx]
        fit_y = [labels[i] for i in fit_idx]
        for method in methods:
            fitted = fit(method, fit_p, fit_y)
            hits[method] += sum(decide(fitted, prob_lists[i]) == labels[i] for i in held_idx)
    scores = {m: hits[m] / len(labels) for m in methods}
    chosen = max(methods, key=lambda m: (scores[m], -methods.index(m)))
    return fit(chosen, prob_lists, labels), scores


def learn_numeric(prob_lists: Sequence[Sequence[float]], human_100: Sequence[float],
                  groups: Sequence[str] | None, methods: Sequence[str] = NUMERIC_METHODS, *,
                  folds: int = 5, seed: int = 0,
                  ) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, float]]:
    """Choose how checks become a number on a numeric scale, by out-of-fold MAE on 0–100.

    Each aggregation's score (× 100) is taken raw (`none`) or through an isotonic or linear map
    onto the human scale (`evalign.align.calibrate`), the map fitted on the other folds (grouped
    folds when `groups` is given, so no question is on both sides). The lowest pooled MAE wins
    (ties: the earlier, simpler choice) and its map is refitted on every item.

    Args:
        prob_lists: each item's checks' P(yes), in [0, 1].
        human_100: each item's human score on 0–100.
        groups: each item's group, or None.

    Returns:
        The aggregation, the calibration (None: raw scores), and each `method/map`'s MAE.
    """
    from sklearn.model_selection import GroupKFold, KFold

    raw = {m: [100.0 * score({"method": m}, p) for p in prob_lists] for m in methods}
    y = np.asarray(human_100, dtype=float)
    k = min(folds, len(set(groups)) if groups is not None else len(y))
    splits = [] if k < 2 else list(
        GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(y, y, groups)
        if groups is not None else KFold(n_splits=k, shuffle=True, random_state=seed).split(y))
    maes: dict[str, float] = {}
    for method in methods:
        x = np.asarray(raw[method])
        maes[f"{method}/none"] = float(np.mean(np.abs(x - y))) if len(y) else math.nan
        for name in MAPS:
            maes[f"{method}/{name}"] = _oof_mae(x, y, splits, name)
    finite = {key: v for key, v in maes.items() if math.isfinite(v)}
    chosen = min(finite, key=lambda key: (finite[key], list(maes).index(key))) if finite \
        else f"{methods[0]}/none"
    method, mapping = chosen.split("/")
    calibration = None if mapping == "none" else \
        fit_calibration(raw[method], list(human_100), mapping)
    return {"method": method}, calibration, maes


def _oof_mae(x: np.ndarray, y: np.ndarray, splits: Sequence[tuple[Any, Any]],
             mapping: str) -> float:
    """The pooled MAE of `mapping` fitted on each split's first part, scored on its second."""
    errors: list[float] = []
    for fit_idx, held_idx in splits:
        if len(fit_idx) < 2:
            return math.nan
        fitted = fit_calibration(x[fit_idx], y[fit_idx], mapping)
        errors.extend(abs(map_100(fitted, float(x[i])) - float(y[i])) for i in held_idx)
    return float(np.mean(errors)) if errors else math.nan


def _best_cut(values: Sequence[float], labels: Sequence[bool]) -> float | None:
    """The cut `value ≥ cut → pass` with the best agreement; the middle of the best plateau."""
    if not values:
        return None
    points = sorted(set(values))
    cuts = [points[0] - 1e-9] + [(a + b) / 2 for a, b in itertools.pairwise(points)]
    cuts.append(points[-1] + 1e-9)
    hits = [sum((v >= c) == y for v, y in zip(values, labels, strict=True)) for c in cuts]
    best = max(hits)
    plateau = [c for c, h in zip(cuts, hits, strict=True) if h == best]
    return plateau[len(plateau) // 2]


def _fit_logistic(prob_lists: Sequence[Sequence[float]], labels: Sequence[bool]) -> dict[str, Any]:
    if len(set(labels)) < 2:
        return {"method": "all_pass"}
    x = np.array([features(p) for p in prob_lists])
    model = LogisticRegression(C=1.0).fit(x, np.array(labels, dtype=int))
    return {"method": "logistic", "coef": [float(c) for c in model.coef_[0]],
            "intercept": float(model.intercept_[0]), "threshold": 0.5}
