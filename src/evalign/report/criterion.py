"""Which criterion a run's report is on, and why: every report says both.

The caller's criterion, else the judge's own, else the criterion the judge version was aligned
on (`comparisons.aligned`: the record of the alignment run that accepted it, when the dataset
has labels on it), else the read model's rule (`comparisons.criterion`: the dataset's only
comparable criterion, else `default`). Nothing else is guessed: when nothing names one, the
refusal stands (`CriterionChoiceError` lists the criteria).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from evalign.comparisons import resolve_criterion
from evalign.comparisons.aligned import aligned_criterion
from evalign.comparisons.criterion import DEFAULT_CRITERION
from evalign.errors import CriterionChoiceError
from evalign.store import Store
from evalign.store.repo_comparisons import RunRecord, labeled_criteria, run_record
from evalign.store.session import Session

Source = Literal["named", "judge", "alignment", "dataset"]


@dataclass(frozen=True)
class ReportCriterion:
    """The criterion to read a run's labels on, and why it is that one.

    Attributes:
        name: the criterion to pass to the read model; None lets its rule choose (the judge's
            own criterion, or the dataset's only one), which `words` then describes.
        source: `named` (the caller), `judge` (the judge's own), `alignment` (the alignment
            run the judge version was accepted from), `dataset` (the dataset's only
            candidate).
        words: why, in the words every report surface prints.
        warning: what the report should warn of ("" when nothing): the judge's own criterion
            has no labels on the dataset while others have.
    """

    name: str | None
    source: Source
    words: str
    warning: str = ""

    def to_dict(self) -> dict[str, str]:
        """The `criterion_source` block of a report's run: `{"source", "words"}`."""
        return {"source": self.source, "words": self.words}


def report_criterion(store: Store, run_id: int, named: str | None) -> ReportCriterion:
    """The criterion a report of run `run_id` is on, and why.

    Raises:
        NotFoundError: no such run.
        CriterionChoiceError: the dataset has labels on several criteria and neither the
            caller, the judge nor an alignment run its version came from names one of them.
    """
    if named is not None:
        return ReportCriterion(named, "named", "named by the caller (--criterion)")
    with store.session() as session:
        run = run_record(session, run_id)
        if run.judge_criterion is not None:
            return ReportCriterion(None, "judge",
                                   f"the criterion judge {run.judge} is bound to",
                                   _unlabeled_warning(session, run))
        found = aligned_criterion(session, f"{run.judge}@{run.version}")
        if found is not None and found.name in {
                c.name for c in labeled_criteria(session, run.dataset_id)}:
            # before the rule's `default` tie-breaker: a record beats a default
            return ReportCriterion(found.name, "alignment", found.words)
        try:
            chosen = resolve_criterion(session, run.dataset_id, None, None, run.judge_scale)
        except CriterionChoiceError as refused:
            raise RunCriterionChoiceError(refused.choices, run) from None
        return ReportCriterion(None, "dataset",
                               _rule_words(session, run, chosen.name if chosen else None))


class RunCriterionChoiceError(CriterionChoiceError):
    """A run's report has no criterion to default to: the `CriterionChoiceError` of the
    dataset, prefixed with the run and why neither its judge nor its version names one."""

    def __init__(self, choices: list[str], run: RunRecord):
        super().__init__(choices)
        self.args = (f"run {run.id} ({run.judge}@{run.version} on {run.dataset}): the judge "
                     "has no criterion of its own and was not accepted from an alignment run "
                     f"that names one; {self.args[0]}",)


def _unlabeled_warning(session: Session, run: RunRecord) -> str:
    """A warning when the judge's own criterion has no labels on the run's dataset but
    other criteria have (the report then has nothing to compare, and says where labels are)."""
    labeled = sorted(c.name for c in labeled_criteria(session, run.dataset_id))
    if not labeled or run.judge_criterion in labeled:
        return ""
    return (f"judge {run.judge} is bound to criterion {run.judge_criterion!r}, on which "
            f"dataset {run.dataset!r} has no labels; its labels are on {', '.join(labeled)}: "
            "name one with --criterion NAME to compare with them")


def _rule_words(session: Session, run: RunRecord, chosen: str | None) -> str:
    """Why the read model's rule picked `chosen` for a judge without a criterion."""
    labeled = labeled_criteria(session, run.dataset_id)
    if chosen is None or len(labeled) <= 1:
        return "the dataset's only criterion with labels"
    if chosen == DEFAULT_CRITERION:
        return ("the labels imported without a criterion name; the judge has no criterion "
                "of its own")
    return (f"the dataset's only criterion whose labels a {run.judge_scale.spec()} verdict "
            f"can be compared with (of {', '.join(sorted(c.name for c in labeled))})")
