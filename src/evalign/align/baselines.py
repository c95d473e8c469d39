"""Trivial baselines on the test split, so a judge that only learned length is exposed.

- majority: always the label most common on train.
- length: pass when the response is at least (or at most) N characters, N chosen on train.

Pairwise (a tie is a class of its own):

- majority: always train's most common choice (output 1, output 2 or tie).
- first: always output 1.
- longer: the longer output (a tie when both are as long).

Numeric (figures on 0–100, so a judge's MAE and rank correlation have something to beat):

- train_mean: every item scored the train items' mean.
- length: a straight line from the response's length in characters, fitted on train.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from evalign.align.aggregate import _best_cut
from evalign.align.examples import Example
from evalign.scores import ScoreConfig, Value


@dataclass(frozen=True)
class Baseline:
    """One trivial predictor and what it predicted on the test split."""

    name: str
    description: str
    predictions: list[bool]
    choices: list[Value] = field(default_factory=list)
    """For pairwise data: the predicted choice per test item (then `predictions` is unused)."""


def trivial_baselines(train: Sequence[Example], test: Sequence[Example]) -> list[Baseline]:
    """The trivial baselines for the data's shape (pairwise or pass/fail)."""
    if test and test[0].scale.kind == "pairwise":
        return pairwise_baselines(train, test, test[0].scale)
    return [majority_baseline(train, test), length_baseline(train, test)]


def pairwise_baselines(train: Sequence[Example], test: Sequence[Example],
                       scale: ScoreConfig) -> list[Baseline]:
    """Majority choice, always output 1, and the longer output."""
    counts = Counter(str(e.label) for e in train)
    common = max(counts, key=lambda k: (counts[k], k == "1")) if counts else "1"
    majority = scale.parse_value(common)
    first = scale.parse_value("1")
    longer = []
    for example in test:
        one, two = len(example.item.output or ""), len(example.item.output_2 or "")
        longer.append(scale.parse_value("1" if one > two else "2" if two > one else "0"))
    return [
        Baseline("majority", f"always {_choice(majority)} (train majority)", [],
                 [majority] * len(test)),
        Baseline("first", "always output 1", [], [first] * len(test)),
        Baseline("longer", "the longer output", [], longer),
    ]


def _choice(value: Value) -> str:
    return {"1": "output 1", "2": "output 2", "0": "tie"}.get(str(value), str(value))


def majority_baseline(train: Sequence[Example], test: Sequence[Example]) -> Baseline:
    """Always predict train's most common label (pass on a tie)."""
    passes = sum(e.passed for e in train)
    label = passes * 2 >= len(train)
    word = "pass" if label else "fail"
    return Baseline("majority", f"always {word} (train majority)", [label] * len(test))


def length_baseline(train: Sequence[Example], test: Sequence[Example]) -> Baseline:
    """Pass when the response length is on the passing side of a cut chosen on train."""
    lengths = [float(len(e.item.output or "")) for e in train]
    labels = [e.passed for e in train]
    longer = _best_cut(lengths, labels)
    shorter = _best_cut([-x for x in lengths], labels)
    hits_long = _hits(lengths, labels, longer)
    hits_short = _hits([-x for x in lengths], labels, shorter)
    if hits_short > hits_long and shorter is not None:
        cut = -shorter
        preds = [len(e.item.output or "") <= cut for e in test]
        return Baseline("length", f"pass when the response has ≤ {cut:.0f} characters", preds)
    cut = longer if longer is not None else 0.0
    preds = [len(e.item.output or "") >= cut for e in test]
    return Baseline("length", f"pass when the response has ≥ {cut:.0f} characters", preds)


def _hits(values: Sequence[float], labels: Sequence[bool], cut: float | None) -> int:
    if cut is None:
        return 0
    return sum((v >= cut) == y for v, y in zip(values, labels, strict=True))


def numeric_baselines(train: Sequence[Example], test: Sequence[Example]) -> dict[str, Any]:
    """The numeric trivial baselines' test figures (`mae`, `spearman`, `n`, `description`);
    empty unless both splits carry numeric human scores."""
    mean = train_mean_baseline(train, test)
    if mean is None:
        return {}
    out: dict[str, Any] = {"train_mean": mean}
    length = length_numeric_baseline(train, test)
    if length is not None:
        out["length"] = length
    return out


def train_mean_baseline(train: Sequence[Example],
                        test: Sequence[Example]) -> dict[str, Any] | None:
    """The trivial numeric baseline: every test item scored the train items' mean, on 0–100.

    None unless both splits carry numeric human scores. Its rank correlation is undefined.
    """
    known = [s for s in (e.score100 for e in train) if s is not None]
    pairs = [s for s in (e.score100 for e in test) if s is not None]
    if not known or not pairs or any(e.scale.group != "numeric" for e in (*train, *test)):
        return None
    mean = sum(known) / len(known)
    return {"description": f"always the train mean ({mean:.1f} on 0–100)",
            "mae": sum(abs(h - mean) for h in pairs) / len(pairs), "spearman": None,
            "n": len(pairs)}


def length_numeric_baseline(train: Sequence[Example],
                            test: Sequence[Example]) -> dict[str, Any] | None:
    """Scores from a least-squares line over response length (characters), fitted on train and
    clipped to 0–100; None with fewer than two train lengths or test items."""
    fit = [(float(len(e.item.output or "")), e.score100) for e in train if e.score100 is not None]
    held = [(float(len(e.item.output or "")), e.score100) for e in test if e.score100 is not None]
    if len({x for x, _ in fit}) < 2 or len(held) < 2:
        return None
    slope, intercept = np.polyfit([x for x, _ in fit], [float(y) for _, y in fit], 1)
    guesses = np.clip(slope * np.array([x for x, _ in held]) + intercept, 0.0, 100.0)
    truth = np.array([float(y) for _, y in held])
    rho = spearmanr([x for x, _ in held], truth).statistic if len(set(truth)) > 1 else math.nan
    return {"description": f"a line over response length ({slope * 1000:+.1f} per 1,000 "
                           "characters, fitted on train)",
            "mae": float(np.mean(np.abs(guesses - truth))),
            "spearman": None if math.isnan(rho) else float(rho), "n": len(held)}
