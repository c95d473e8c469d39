"""The human ceiling: how well the annotators agree with each other, beside the judge.

Where items carry several annotators, no judge can be expected to agree with "the humans" more
than they agree among themselves. The ceiling is `stats.ceiling.ceiling_figures` (on
`stats.annotators.annotator_agreement`), the very function of `evalign agreement DATASET` and
of a report's "humans" line, labeled with its basis (`basis`, `basis_words`: every labeled
item of the alignment's sources, where a run's report reads that run's items): each
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
from evalign.stats.annotators import Ratings
from evalign.stats.ceiling import ceiling_figures


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
        "mean_abs_diff_100", "krippendorff_alpha", "chance", "judge", "judge_position",
        "basis", "basis_words"}` (`basis_words`: what every surface prints for the items),
        where `judge_position` is (judge − chance) / (ceiling − chance): 0 at chance, 1 at the
        ceiling, None when undefined (ceiling not above chance).
    """
    stats = ceiling_figures(ratings, scale, "alignment")
    if stats is None:
        return None
    ceiling: float | None = stats["ceiling"]
    position = None
    if ceiling is not None and judge is not None and chance is not None and ceiling > chance:
        position = (judge - chance) / (ceiling - chance)
    return {"agreement": ceiling, "items": stats["items"], "annotators": stats["annotators"],
            "mean_abs_diff_100": stats["mean_abs_diff_100"],
            "krippendorff_alpha": stats["krippendorff_alpha"], "chance": chance,
            "judge": judge, "judge_position": position, "basis": stats["basis"],
            "basis_words": stats["basis_words"]}
