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
    The best of several cross-validated figures flatters the method that won them, so the
    whole choice is also scored on folds it never saw (nested: chosen on each fold's
    complement, by cross-validation there), under the key `selected`.

    Returns:
        The chosen aggregation and each method's cross-validated agreement, with `selected`.
    """
    k = min(folds, len(set(groups)))
    if k < 2:
        return learn(prob_lists, labels, prob_lists, labels, methods)
    scores = _cv_scores(prob_lists, labels, groups, methods, k, seed)
    chosen = max(methods, key=lambda m: (scores[m], -methods.index(m)))
    scores["selected"] = _selection_agreement(prob_lists, labels, groups, methods, k, seed)
    return fit(chosen, prob_lists, labels), scores


def _cv_scores(prob_lists: Sequence[Sequence[float]], labels: Sequence[bool],
               groups: Sequence[str], methods: Sequence[str], k: int,
               seed: int) -> dict[str, float]:
    """Each method's pooled agreement over `k` grouped folds."""
    from sklearn.model_selection import GroupKFold

    hits: dict[str, int] = dict.fromkeys(methods, 0)
    splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
    for fit_idx, held_idx in splitter.split(prob_lists, labels, groups):
        fit_p = [prob_lists[i] for i in fit_idx]
        fit_y = [labels[i] for i in fit_idx]
        for method in methods:
            fitted = fit(method, fit_p, fit_y)
            hits[method] += sum(decide(fitted, prob_lists[i]) == labels[i] for i in held_idx)
    return {m: hits[m] / len(labels) for m in methods}


def _selection_agreement(prob_lists: Sequence[Sequence[float]], labels: Sequence[bool],
                         groups: Sequence[str], methods: Sequence[str], k: int,
                         seed: int) -> float:
    """The agreement of the whole choice of method on held folds it never saw: each fold is
    decided by the method that cross-validated best on the other folds, fitted on them."""
    from sklearn.model_selection import GroupKFold

    hits = 0
    splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
    for fit_idx, held_idx in splitter.split(prob_lists, labels, groups):
        fit_p = [prob_lists[i] for i in fit_idx]
        fit_y = [labels[i] for i in fit_idx]
        inner_groups = [groups[i] for i in fit_idx]
        inner_k = min(k, len(set(inner_groups)))
        if inner_k < 2:
            fitted, _ = learn(fit_p, fit_y, fit_p, fit_y, methods)
        else:
            inner = _cv_scores(fit_p, fit_y, inner_groups, methods, inner_k, seed)
            fitted = fit(max(methods, key=lambda m: (inner[m], -methods.index(m))), fit_p, fit_y)
        hits += sum(decide(fitted, prob_lists[i]) == labels[i] for i in held_idx)
    return hits / len(labels)


def learn_numeric(prob_lists: Sequence[Sequence[float]], human_100: Sequence[float],
                  groups: Sequence[str] | None, methods: Sequence[str] = NUMERIC_METHODS, *,
                  folds: int = 5, seed: int = 0,
                  ) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, float]]:
    """Choose how checks become a number on a numeric scale, by out-of-fold MAE on 0–100.

    Each aggregation's score (× 100) is taken raw (`none`) or through an isotonic, linear or
    median-line map onto the human scale (`evalign.align.calibrate`), the map fitted on the
    other folds (grouped folds when `groups` is given, so no question is on both sides). The
    lowest pooled MAE wins (ties: the earlier, simpler choice) and its map is refitted on every
    item. When other choices are within one standard error of the best, cross-validation on a
    few dozen items cannot tell them apart, and picking one is picking noise: their maps are
    all refitted and the score is their average (`{"method": "average", "members": [...]}`,
    see `evalign.judges.decomposed`), which is scored out of fold too (key `average`).

    Args:
        prob_lists: each item's checks' P(yes), in [0, 1].
        human_100: each item's human score on 0–100.
        groups: each item's group, or None.

    Returns:
        The aggregation (the best choice's), the calibration (None: raw scores), and each
        `method/map`'s MAE.
    """
    raw = {m: [100.0 * score({"method": m}, p) for p in prob_lists] for m in methods}
    y = np.asarray(human_100, dtype=float)
    splits = _folds(y, groups, folds, seed)
    near, oof, maes = _choose(raw, y, splits)
    if not near:
        return {"method": methods[0]}, None, maes
    honest = _selection_mae(raw, y, groups, splits, folds, seed)
    if honest is not None:
        maes["selected"] = honest
    aggregation = {"method": near[0].split("/")[0]}
    if len(near) > 1:
        maes["average"] = float(np.mean(np.abs(np.mean([oof[k] for k in near], axis=0) - y)))
        members = [_member(key, raw, human_100) for key in near]
        return aggregation, {"method": "average", "members": members}, maes
    return aggregation, _member(near[0], raw, human_100)["calibration"], maes


def _choose(raw: dict[str, list[float]], y: np.ndarray, splits: Sequence[tuple[Any, Any]],
            ) -> tuple[list[str], dict[str, np.ndarray], dict[str, float]]:
    """The `method/map` choices kept (the best by out-of-fold MAE, then those within one
    standard error of it; empty when none could be scored), every choice's out-of-fold
    predictions and their MAEs."""
    oof: dict[str, np.ndarray] = {}
    for method, values in raw.items():
        x = np.asarray(values)
        oof[f"{method}/none"] = x
        for name in MAPS:
            oof[f"{method}/{name}"] = _oof_predictions(x, y, splits, name)
    maes = {key: float(np.mean(np.abs(pred - y))) if len(y) and not np.isnan(pred).any()
            else math.nan for key, pred in oof.items()}
    finite = {key: v for key, v in maes.items() if math.isfinite(v)}
    if not finite:
        return [], oof, maes
    chosen = min(finite, key=lambda key: (finite[key], list(maes).index(key)))
    return _within_one_se(chosen, oof, y, finite), oof, maes


def _selection_mae(raw: dict[str, list[float]], y: np.ndarray, groups: Sequence[str] | None,
                   splits: Sequence[tuple[Any, Any]], folds: int, seed: int) -> float | None:
    """The MAE of the whole choice (which maps, averaged or not) on items it never saw.

    The lowest of a dozen out-of-fold MAEs, or the average of the near-best, was chosen by
    looking at those same items, so it flatters the choice. Here each fold's items are
    predicted by a choice made (by inner cross-validation) on the other folds alone, so the
    figure compares fairly with a candidate scored on validation items it was not fitted on.
    None when the folds are too few to choose inside.
    """
    predicted = np.full(len(y), math.nan)
    for fit_idx, held_idx in splits:
        inner_groups = None if groups is None else [groups[i] for i in fit_idx]
        inner = _folds(y[fit_idx], inner_groups, folds, seed)
        part = {m: [values[i] for i in fit_idx] for m, values in raw.items()}
        near, _, _ = _choose(part, y[fit_idx], inner)
        if not near:
            return None
        members = [_member(key, part, list(y[fit_idx])) for key in near]
        predicted[held_idx] = [
            np.mean([_mapped(m, raw[m["aggregation"]["method"]][i]) for m in members])
            for i in held_idx]
    if np.isnan(predicted).any():
        return None
    return float(np.mean(np.abs(predicted - y)))


def _mapped(member: dict[str, Any], x: float) -> float:
    """One member's score for a raw 0–100 score `x` (raw when it has no map)."""
    return map_100(member["calibration"], x) if member["calibration"] else x


def _folds(y: np.ndarray, groups: Sequence[str] | None, folds: int,
           seed: int) -> list[tuple[Any, Any]]:
    from sklearn.model_selection import GroupKFold, KFold

    k = min(folds, len(set(groups)) if groups is not None else len(y))
    if k < 2:
        return []
    if groups is not None:
        return list(GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(y, y, groups))
    return list(KFold(n_splits=k, shuffle=True, random_state=seed).split(y))


def _within_one_se(best: str, oof: dict[str, np.ndarray], y: np.ndarray,
                   finite: dict[str, float]) -> list[str]:
    """The choices whose MAE is within one standard error of the best's (best first)."""
    errors = np.abs(oof[best] - y)
    bound = finite[best] + float(np.std(errors, ddof=1)) / math.sqrt(len(y)) if len(y) > 1 \
        else finite[best]
    return [best, *(k for k, v in finite.items() if k != best and v <= bound)]


def _member(key: str, raw: dict[str, list[float]], human_100: Sequence[float]) -> dict[str, Any]:
    """One choice refitted on every item: its aggregation and its map (None: raw)."""
    method, mapping = key.split("/")
    calibration = None if mapping == "none" else \
        fit_calibration(raw[method], list(human_100), mapping)
    return {"aggregation": {"method": method}, "calibration": calibration}


def _oof_predictions(x: np.ndarray, y: np.ndarray, splits: Sequence[tuple[Any, Any]],
                     mapping: str) -> np.ndarray:
    """Each item's score through `mapping` fitted on the other folds (all NaN without folds)."""
    predicted = np.full(len(y), math.nan)
    for fit_idx, held_idx in splits:
        if len(fit_idx) < 2:
            return np.full(len(y), math.nan)
        fitted = fit_calibration(x[fit_idx], y[fit_idx], mapping)
        predicted[held_idx] = [map_100(fitted, float(x[i])) for i in held_idx]
    return predicted


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
