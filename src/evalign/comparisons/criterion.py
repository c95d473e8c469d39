"""The one rule that chooses which criterion's labels a run is compared with.

1. the criterion the caller names (`--criterion`, `?criterion=`);
2. else the judge's own criterion;
3. else the dataset's only labeled criterion;
4. else, among several, the unnamed one (`default`: labels imported without a criterion name,
   which a judge made without a criterion is taken to judge);
5. else `CriterionChoiceError`, which lists the choices (the CLI exits 2, the web answers 400).

A dataset without labels has no criterion to compare (None): its items are all unlabeled.
"""

from __future__ import annotations

from collections.abc import Sequence

from evalign.errors import CriterionChoiceError, NotFoundError
from evalign.store.repo_comparisons import CriterionRecord, criterion_record, labeled_criteria
from evalign.store.session import Session

DEFAULT_CRITERION = "default"


def choose_criterion(named: str | None, judge_criterion: str | None,
                     labeled: Sequence[str]) -> str | None:
    """The criterion to compare on, by the rule above.

    Args:
        named: the criterion the caller named, if any.
        judge_criterion: the judge's own criterion, if it has one.
        labeled: the criteria with labels on the dataset.

    Raises:
        CriterionChoiceError: several labeled criteria and nothing chooses one.
    """
    if named is not None:
        return named
    if judge_criterion is not None:
        return judge_criterion
    if len(labeled) <= 1:
        return labeled[0] if labeled else None
    if DEFAULT_CRITERION in labeled:
        return DEFAULT_CRITERION
    raise CriterionChoiceError(sorted(labeled))


def resolve_criterion(session: Session, dataset_id: int, named: str | None,
                      judge_criterion: str | None) -> CriterionRecord | None:
    """The stored criterion `choose_criterion` picks for a dataset.

    Raises:
        NotFoundError: the named criterion does not exist.
        CriterionChoiceError: see `choose_criterion`.
    """
    labeled = {c.name: c for c in labeled_criteria(session, dataset_id)}
    name = choose_criterion(named, judge_criterion, list(labeled))
    if name is None:
        return None
    found = labeled.get(name) or criterion_record(session, name)
    if found is None:
        raise NotFoundError(f"no criterion named {name!r}; criteria with labels here: "
                            f"{', '.join(labeled) or 'none'}")
    return found
