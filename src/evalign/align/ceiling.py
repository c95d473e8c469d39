"""The human ceiling: how well the annotators agree with each other, beside the judge.

Where items carry several annotators, no judge can be expected to agree with "the humans" more
than they agree among themselves. The ceiling is `stats.annotators.annotator_agreement`, the
very function and items of `evalign agreement DATASET` and of a report's "humans" line: each
annotator's agreement with the majority of the others, averaged over annotators, on every item
with two or more annotators of the criterion, tied items included (an example set leaves tied
items out, so it would overstate the ceiling), coded as the judge's agreement is (pass/fail at
the scale's threshold, or the pairwise choice); for ordered scales also the mean
rater-to-rater gap on 0–100. The outcome places the judge's held-out agreement between chance
(the trivial majority baseline on the same test items) and that ceiling.
"""

from __future__ import annotations

from typing import Any

from evalign.scores import ScoreConfig
from evalign.stats.annotators import Ratings, annotator_agreement


def human_ceiling(ratings: Ratings, scale: ScoreConfig, judge: float | None,
                  chance: float | None) -> dict[str, Any] | None:
    """The ceiling from every labeled item with ≥ 2 annotators, and the judge's place.

    Args:
        ratings: item → {annotator: value on `scale`}, the annotators' own labels (no
            adjudications) of every labeled item (`align.load.Loaded.ratings`); humans'
            agreement leaks nothing about the test.
        scale: the criterion's scale.
        judge: the aligned judge's test agreement, 0–1 (None: unknown).
        chance: the majority baseline's test agreement, 0–1 (None: unknown).

    Returns:
        None when no item has two annotators; else `{"agreement", "items", "annotators",
        "mean_abs_diff_100", "krippendorff_alpha", "chance", "judge", "judge_position"}`,
        where `judge_position` is (judge − chance) / (ceiling − chance): 0 at chance, 1 at the
        ceiling, None when undefined (ceiling not above chance).
    """
    if not any(len(per) >= 2 for per in ratings.values()):
        return None
    stats = annotator_agreement(ratings, scale)
    ceiling = stats.get("ceiling")
    position = None
    if None not in (ceiling, judge, chance) and ceiling > chance:  # type: ignore[operator]
        position = (judge - chance) / (ceiling - chance)  # type: ignore[operator]
    return {"agreement": ceiling, "items": stats["items"], "annotators": stats["annotators"],
            "mean_abs_diff_100": stats.get("mean_abs_diff_100"),
            "krippendorff_alpha": stats.get("krippendorff_alpha"), "chance": chance,
            "judge": judge, "judge_position": position}
