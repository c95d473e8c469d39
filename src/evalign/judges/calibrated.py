"""A numeric judge's calibration: its score mapped monotonically onto the human scale.

An alignment run may learn that the judge's 0–100 score says 70 where humans say 40. The map is
stored in the judge version, `JudgeSpec.checks["calibration"]`, as knots on 0–100:

    {"method": "isotonic" | "linear" | "median_line", "x": [judge scores], "y": [human scores]}

and applied to every numeric verdict by linear interpolation between knots (flat beyond the
first and last): a step function for isotonic regression, two end points for a linear fit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from evalign.errors import ConfigError
from evalign.scores import ScoreConfig, Value


def calibrated_value(calibration: dict[str, Any], scale: ScoreConfig, value: Value) -> Value:
    """`value` on `scale`, mapped through `calibration` (a star scale stays whole stars).

    Raises:
        ConfigError: the calibration's knots are missing, unequal in length or not increasing.
    """
    score = scale.to_100(value)
    if score is None:
        return value
    return on_scale(scale, map_100(calibration, score))


def on_scale(scale: ScoreConfig, score_100: float) -> Value:
    """A 0–100 score as a value of `scale` (numeric to 4 decimals; stars whole, halves up)."""
    low, high = scale.bounds()
    result = low + score_100 / 100.0 * (high - low)
    return whole_stars(result) if scale.kind == "stars" else round(float(result), 4)


def whole_stars(value: float) -> int:
    """The nearest whole star, halves up (2.5 → 3): `round` would send 2.5 to 2 and 3.5 to 4."""
    return math.floor(float(value) + 0.5)


def map_100(calibration: dict[str, Any], score: float) -> float:
    """One 0–100 judge score mapped onto the human 0–100 scale."""
    x = np.asarray(calibration.get("x") or [], dtype=float)
    y = np.asarray(calibration.get("y") or [], dtype=float)
    if x.size == 0 or x.size != y.size or np.any(np.diff(x) < 0):
        raise ConfigError("judge calibration: x and y must be equal-length lists with x "
                          "non-decreasing (re-run the alignment)")
    return float(np.clip(np.interp(score, x, y), 0.0, 100.0))
