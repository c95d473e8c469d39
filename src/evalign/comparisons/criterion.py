"""The one rule that chooses which criterion's labels a run is compared with.

1. the criterion the caller names (`--criterion`, `?criterion=`);
2. else the judge's own criterion;
3. else, among the dataset's labeled criteria whose scale can compare with the judge's
   (all of them when none can, or when no judge is compared), the only one;
4. else, among several, the unnamed one (`default`: labels imported without a criterion name,
   which a judge made without a criterion is taken to judge) — only when a judge is compared:
   a dataset's own statistics (inter-annotator agreement) never guess;
5. else `CriterionChoiceError`, which lists the choices (the CLI exits 2, the web answers 400).

Rule 3 keeps one stray label on another scale (a pass/fail label on a pairwise dataset) from
turning a pairwise run's report into one with no comparable pairs.

A dataset without labels has no criterion to compare (None): its items are all unlabeled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from evalign.errors import CriterionChoiceError, NotFoundError
from evalign.scores import ScoreConfig, comparable
from evalign.store.repo_comparisons import CriterionRecord, criterion_record, labeled_criteria
from evalign.store.session import Session

DEFAULT_CRITERION = "default"


def choose_criterion(named: str | None, judge_criterion: str | None,
                     labeled: Sequence[str] | Mapping[str, ScoreConfig],
                     judge_scale: ScoreConfig | None = None, *, judged: bool = True
                     ) -> str | None:
    """The criterion to compare on, by the rule above.

    Args:
        named: the criterion the caller named, if any.
        judge_criterion: the judge's own criterion, if it has one.
        labeled: the criteria with labels on the dataset (name → scale, when known).
        judge_scale: the judge's output scale; with scales in `labeled`, criteria it cannot
            compare with are passed over while another can.
        judged: whether a judge is compared (False: a dataset's own statistics, where rule 4
            does not apply).

    Raises:
        CriterionChoiceError: several candidate criteria and nothing chooses one.
    """
    if named is not None:
        return named
    if judge_criterion is not None:
        return judge_criterion
    candidates = _comparable(labeled, judge_scale)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    if judged and DEFAULT_CRITERION in candidates:
        return DEFAULT_CRITERION
    raise CriterionChoiceError(sorted(candidates))


def _comparable(labeled: Sequence[str] | Mapping[str, ScoreConfig],
                judge_scale: ScoreConfig | None) -> list[str]:
    """The labeled criteria a judge on `judge_scale` can compare with; all when none can
    (the comparisons then say why) or when scales are unknown."""
    names = list(labeled)
    if judge_scale is None or not isinstance(labeled, Mapping):
        return names
    fit = [n for n in names if comparable(labeled[n], judge_scale)]
    return fit or names


def resolve_criterion(session: Session, dataset_id: int, named: str | None,
                      judge_criterion: str | None, judge_scale: ScoreConfig | None = None, *,
                      judged: bool = True) -> CriterionRecord | None:
    """The stored criterion `choose_criterion` picks for a dataset.

    Raises:
        NotFoundError: the named criterion does not exist.
        CriterionChoiceError: see `choose_criterion`.
    """
    labeled = {c.name: c for c in labeled_criteria(session, dataset_id)}
    name = choose_criterion(named, judge_criterion, {n: c.scale for n, c in labeled.items()},
                            judge_scale, judged=judged)
    if name is None:
        return None
    found = labeled.get(name) or criterion_record(session, name)
    if found is None:
        raise NotFoundError(f"no criterion named {name!r}; criteria with labels here: "
                            f"{', '.join(labeled) or 'none'}")
    return found
