"""Learning a monotone map from a numeric judge's scores to the human scale (on 0–100).

Three maps are fitted on train: isotonic regression (any monotone step function), a least-squares
line, and a least-absolute-deviation line (the conditional median, which is what minimizes the
MAE: on bimodal ratings it keeps scores near the modes where a least-squares line pulls them to
the middle); the one with the lowest mean absolute error on validation is kept and refitted on
train + validation. Each is stored as knots (`evalign.judges.calibrated`), so the accepted judge
applies the map to every verdict it gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LinearRegression

from evalign.align.examples import Example
from evalign.judges.calibrated import map_100
from evalign.judges.spec import JudgeSpec, Verdict

METHODS = ("isotonic", "linear", "median_line")


def fit_calibration(judge_100: Sequence[float], human_100: Sequence[float],
                    method: str) -> dict[str, Any]:
    """Fit one map on paired 0–100 scores (at least two pairs).

    Raises:
        ValueError: fewer than two pairs, or an unknown method.
    """
    x, y = np.asarray(judge_100, dtype=float), np.asarray(human_100, dtype=float)
    if x.size < 2:
        raise ValueError("a calibration needs at least two scored items")
    if method == "isotonic":
        model = IsotonicRegression(y_min=0.0, y_max=100.0, out_of_bounds="clip").fit(x, y)
        knots_x, knots_y = model.X_thresholds_, model.y_thresholds_
    elif method in ("linear", "median_line"):
        knots_x, knots_y = _line_knots(x, y, median=method == "median_line")
    else:
        raise ValueError(f"unknown calibration method {method!r}; choose from {METHODS}")
    return {"method": method, "x": [round(float(v), 4) for v in knots_x],
            "y": [round(float(v), 4) for v in knots_y]}


def _line_knots(x: np.ndarray, y: np.ndarray, *, median: bool) -> tuple[np.ndarray, np.ndarray]:
    """A line's knots on 0–100: least squares, or least absolute deviations (`median`)."""
    if np.ptp(x) == 0:
        return np.array([0.0, 100.0]), np.full(2, float(np.median(y) if median else y.mean()))
    if median:
        from sklearn.linear_model import QuantileRegressor

        line = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(x.reshape(-1, 1), y)
    else:
        line = LinearRegression().fit(x.reshape(-1, 1), y)
    slope, intercept = float(line.coef_[0]), float(line.intercept_)
    # Knots where the line leaves 0–100 too, so clipping keeps the line's slope.
    cuts = [(edge - intercept) / slope for edge in (0.0, 100.0)] if slope else []
    knots_x = np.array(sorted({0.0, 100.0, *(c for c in cuts if 0.0 < c < 100.0)}))
    return knots_x, np.clip(slope * knots_x + intercept, 0.0, 100.0)


def mae(calibration: dict[str, Any] | None, judge_100: Sequence[float],
        human_100: Sequence[float]) -> float:
    """Mean absolute error on 0–100 after the map (None: no map); NaN without pairs."""
    if not judge_100:
        return float("nan")
    mapped = [map_100(calibration, j) if calibration else j for j in judge_100]
    return float(np.mean(np.abs(np.asarray(mapped) - np.asarray(human_100, dtype=float))))


def choose_calibration(train: tuple[Sequence[float], Sequence[float]],
                       val: tuple[Sequence[float], Sequence[float]],
                       ) -> tuple[dict[str, Any] | None, dict[str, float]]:
    """The map with the lowest validation MAE, refitted on train + validation.

    Returns:
        The chosen calibration (None when no map beats the raw scores on validation, or fewer
        than two train items have a readable score to fit one) and the validation MAE of
        `none` and each method fitted.
    """
    scores = {"none": mae(None, *val)}
    if len(train[0]) < 2:
        return None, scores
    for method in METHODS:
        scores[method] = mae(fit_calibration(*train, method), *val)
    best = min(scores, key=lambda k: (scores[k], k != "none"))
    if best == "none" or not np.isfinite(scores[best]):
        return None, scores
    both_x = [*train[0], *val[0]]
    both_y = [*train[1], *val[1]]
    return fit_calibration(both_x, both_y, best), scores


def paired_scores(spec: JudgeSpec, examples: Sequence[Example],
                  verdicts: Sequence[Verdict]) -> tuple[list[float], list[float]]:
    """The (judge, human) scores on 0–100 of the items where both are readable, in order."""
    judge, human = [], []
    for example, verdict in zip(examples, verdicts, strict=True):
        if verdict.value is None or verdict.error is not None:
            continue
        j, h = spec.scale.to_100(verdict.value), example.score100
        if j is not None and h is not None:
            judge.append(j)
            human.append(h)
    return judge, human


def verdicts_mae(spec: JudgeSpec, examples: Sequence[Example],
                 verdicts: Sequence[Verdict]) -> float | None:
    """The judge's mean absolute error on 0–100 against the humans; None unless both scales
    are numeric and at least one item pairs up."""
    if spec.scale.group != "numeric" or not examples or examples[0].scale.group != "numeric":
        return None
    pairs = paired_scores(spec, examples, verdicts)
    return mae(None, *pairs) if pairs[0] else None
