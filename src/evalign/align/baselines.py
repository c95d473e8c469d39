"""Trivial baselines on the test split, so a judge that only learned length is exposed.

- majority: always the label most common on train.
- length: pass when the response is at least (or at most) N characters, N chosen on train.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evalign.align.aggregate import _best_cut
from evalign.align.examples import Example


@dataclass(frozen=True)
class Baseline:
    """One trivial predictor and what it predicted on the test split."""

    name: str
    description: str
    predictions: list[bool]


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
