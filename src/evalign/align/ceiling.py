"""The human ceiling: how well the annotators agree with each other, beside the judge.

Where items carry several annotators, no judge can be expected to agree with "the humans" more
than they agree among themselves. The ceiling is each annotator's agreement with the majority of
the others, averaged over annotators (`stats.annotators.annotator_agreement`); for numbers also
the mean rater-to-rater gap on 0–100. The outcome places the judge's held-out agreement between
chance (the trivial majority baseline on the same test items) and that ceiling.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from evalign.align.examples import Example
from evalign.scores import Value
from evalign.stats.annotators import annotator_agreement


def human_ceiling(examples: Sequence[Example], judge: float | None,
                  chance: float | None) -> dict[str, Any] | None:
    """The ceiling from every labeled example with ≥ 2 annotators, and the judge's place.

    Args:
        examples: the run's labeled examples (humans' agreement leaks nothing about the test).
        judge: the aligned judge's test agreement, 0–1 (None: unknown).
        chance: the majority baseline's test agreement, 0–1 (None: unknown).

    Returns:
        None when no item has two annotators; else `{"agreement", "items", "annotators",
        "mean_abs_diff_100", "krippendorff_alpha", "chance", "judge", "judge_position"}`,
        where `judge_position` is (judge − chance) / (ceiling − chance): 0 at chance, 1 at the
        ceiling, None when undefined (ceiling not above chance).
    """
    if not examples:
        return None
    ratings: dict[Hashable, Mapping[str, Value]] = {
        n: e.ratings for n, e in enumerate(examples) if len(e.ratings) >= 2}
    if not ratings:
        return None
    stats = annotator_agreement(ratings, examples[0].scale)
    ceiling = stats.get("ceiling")
    position = None
    if None not in (ceiling, judge, chance) and ceiling > chance:  # type: ignore[operator]
        position = (judge - chance) / (ceiling - chance)  # type: ignore[operator]
    return {"agreement": ceiling, "items": stats["items"], "annotators": stats["annotators"],
            "mean_abs_diff_100": stats.get("mean_abs_diff_100"),
            "krippendorff_alpha": stats.get("krippendorff_alpha"), "chance": chance,
            "judge": judge, "judge_position": position}
