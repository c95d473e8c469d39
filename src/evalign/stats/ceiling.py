"""The human ceiling with its basis: which items it was measured on, in one set of words.

The annotators' agreement among themselves is measured on different items by different
surfaces: an alignment outcome reads every labeled item its sources hold (not only the test
split, nor only a `--sample`), a run's report reads the items of that run (a held-out run: the
test items alone). The figures then differ, and rightly; what must never happen is two
figures called "the ceiling" side by side with nothing saying why they differ. So every
surface takes its ceiling from `ceiling_figures`, which runs `annotators.annotator_agreement`
(the one function) and labels the result with its basis, and prints `basis_words`: the same
words for the same basis, and the item count in them. Two ceilings with the same words are
the same computation on the same items, hence the same figure.
"""

from __future__ import annotations

from typing import Any, Literal

from evalign.scores import ScoreConfig
from evalign.stats.annotators import Ratings, annotator_agreement

Basis = Literal["dataset", "alignment", "run", "held_out_run"]
"""`dataset`: every labeled item of a dataset (`evalign agreement`); `alignment`: every
labeled item an alignment run's sources hold; `run`: the items of one run; `held_out_run`:
the items of a run restricted to an alignment run's test split."""

BASIS_WORDS: dict[str, str] = {
    "dataset": "all {items} labeled items of the dataset with several raters",
    "alignment": "all {items} labeled items with several raters in the alignment's sources, "
                 "not only its test split or sample",
    "run": "the {items} items of this run with several raters",
    "held_out_run": "the {items} held-out items of this run with several raters",
}
FIGURES = ("items", "annotators", "fleiss_kappa", "krippendorff_alpha", "ceiling",
           "mean_abs_diff_100")


def basis_words(basis: str, items: int) -> str:
    """The words every surface prints for a ceiling on `basis` over `items` items.

    Raises:
        KeyError: an unknown basis (a bug: the bases are `Basis`).
    """
    return BASIS_WORDS[basis].format(items=items)


def ceiling_figures(ratings: Ratings, scale: ScoreConfig, basis: Basis) -> dict[str, Any] | None:
    """The annotators' agreement among themselves on `ratings`, labeled with its basis.

    Args:
        ratings: item → {annotator: value on `scale`}, the annotators' own labels (no
            adjudications) of the items the basis names, tied items included.
        scale: the criterion's scale.
        basis: which items `ratings` covers (see `Basis`).

    Returns:
        None when no item has two annotators; else `{"items", "annotators",
        "fleiss_kappa", "krippendorff_alpha", "ceiling", "mean_abs_diff_100", "basis",
        "basis_words"}` (see `annotators.annotator_agreement`; `items` counts the items with
        two annotators or more, the count `basis_words` names).
    """
    if not any(len(per) >= 2 for per in ratings.values()):
        return None
    stats = annotator_agreement(ratings, scale)
    out = {key: stats.get(key) for key in FIGURES}
    out["basis"] = basis
    out["basis_words"] = basis_words(basis, int(stats["items"]))
    return out
