"""Two runs read on one criterion for a paired comparison (`evalign report A --vs B`, the web
compare page).

Each run's criterion is the one its own report reads (`report.criterion.report_criterion`: the
caller's, else the judge's, else the alignment run its version was accepted from, else the
dataset's rule), so a run's agreement in a pair is the agreement its own report gives. Two
runs whose criteria differ are refused, naming both and why: scoring the pair on the first
run's criterion silently gave the second run figures its own report contradicts.
"""

from __future__ import annotations

from dataclasses import dataclass

from evalign.comparisons import DEFAULT_POLICY, Policy, RunComparisons, load_comparisons
from evalign.errors import ConfigError
from evalign.report.criterion import ReportCriterion, report_criterion
from evalign.store import Store


class PairCriterionError(ConfigError):
    """Two runs of a paired comparison are read on different criteria by default."""


@dataclass(frozen=True)
class Pair:
    """Two runs' comparisons on one criterion.

    Attributes:
        first: the baseline run's comparisons.
        second: the other run's comparisons, on `criterion` too.
        criterion: the criterion both are read on (None: the dataset has no labels).
        words: why it is that criterion, e.g. "named by the caller (--criterion)".
    """

    first: RunComparisons
    second: RunComparisons
    criterion: str | None
    words: str


def load_pair(store: Store, first: int, second: int, *, criterion: str | None = None,
              policy: Policy = DEFAULT_POLICY, with_items: bool = False) -> Pair:
    """Runs `first` and `second` read on one criterion: `criterion` when named, else each
    run's own (`report_criterion`), which must agree.

    Raises:
        NotFoundError: no such run or criterion.
        CriterionChoiceError: a run has no criterion to default to.
        PairCriterionError: the runs' own criteria differ (the message names both and why).
    """
    why = report_criterion(store, first, criterion)
    loaded = load_comparisons(store, first, criterion=why.name, policy=policy,
                              with_items=with_items)
    return pair_with(store, loaded, why, second, with_items=with_items)


def pair_with(store: Store, loaded: RunComparisons, why: ReportCriterion, second: int, *,
              with_items: bool = False) -> Pair:
    """`loaded` (read on `why`) paired with run `second` read on its own criterion (or on
    the one the caller named for `loaded`), under `loaded`'s policy.

    Raises:
        NotFoundError, CriterionChoiceError, PairCriterionError: as `load_pair`.
    """
    named = why.name if why.source == "named" else None
    other_why = report_criterion(store, second, named)
    other = load_comparisons(store, second, criterion=other_why.name, policy=loaded.policy,
                             with_items=with_items)
    if (other.run.dataset_id == loaded.run.dataset_id
            and other.criterion != loaded.criterion):
        raise PairCriterionError(
            f"runs {loaded.run.id} and {second} are read on different criteria: run "
            f"{loaded.run.id} on {loaded.criterion!r} ({why.words}), run {second} on "
            f"{other.criterion!r} ({other_why.words}); pass --criterion NAME (on the web: "
            "?criterion=NAME) to compare both on one criterion")
    return Pair(loaded, other, loaded.criterion, why.words)
