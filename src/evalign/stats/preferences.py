"""Pairwise preferences counted: how often humans and the judge chose output 1, output 2 or a
tie, and the 3 × 3 grid of human choice against judge choice (its diagonal is agreement)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalign.stats.comparison import Comparison

CHOICES = ("1", "2", "0")
CHOICE_NAMES = {"1": "output 1", "2": "output 2", "0": "tie"}


def preference_counts(comparisons: Sequence[Comparison]) -> dict[str, Any] | None:
    """Counts of the comparable pairwise pairs; None when there are none.

    Returns:
        `{"n", "human": {choice: n}, "judge": {choice: n}, "grid": {human choice: {judge
        choice: n}}, "names": {choice: name}}` with choices "1", "2" and "0" (tie).
    """
    pairs = [(str(int(float(c.human))), str(int(float(c.judge))))  # type: ignore[arg-type]
             for c in comparisons if c.cause is None and c.human_scale.kind == "pairwise"]
    if not pairs:
        return None
    grid = {h: dict.fromkeys(CHOICES, 0) for h in CHOICES}
    for human, judge in pairs:
        grid[human][judge] += 1
    return {"n": len(pairs),
            "human": {h: sum(grid[h].values()) for h in CHOICES},
            "judge": {j: sum(grid[h][j] for h in CHOICES) for j in CHOICES},
            "grid": grid, "names": dict(CHOICE_NAMES)}
