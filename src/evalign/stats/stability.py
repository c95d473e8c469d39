"""Stability of a judge over repeated runs (`--repeat K`): how often its verdict flips."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np


def stability(samples: Mapping[Hashable, Sequence[Hashable]]) -> dict[str, Any]:
    """Per-item flip rate and the share of items whose repeated verdicts are not unanimous.

    Args:
        samples: item → its verdicts (pass/fail, or any category) over the repeats.

    Returns:
        `{"items", "repeats", "not_unanimous", "not_unanimous_share", "mean_flip_rate",
        "flip_rate": {item: rate}}`. An item's flip rate is the share of its verdicts that
        differ from its most common one (0 when unanimous). Items with one sample are left
        out; with none left, the shares are None.
    """
    rates: dict[Hashable, float] = {}
    for item, values in samples.items():
        if len(values) < 2:
            continue
        top = Counter(values).most_common(1)[0][1]
        rates[item] = 1 - top / len(values)
    unanimous = [r == 0 for r in rates.values()]
    counts = [len(v) for v in samples.values() if len(v) >= 2]
    return {
        "items": len(rates),
        "repeats": max(counts) if counts else 0,
        "not_unanimous": unanimous.count(False),
        "not_unanimous_share": float(1 - np.mean(unanimous)) if rates else None,
        "mean_flip_rate": float(np.mean(list(rates.values()))) if rates else None,
        "flip_rate": {str(k): v for k, v in rates.items()},
    }
