"""The criterion a judge version was aligned on, as recorded by the alignment run that
accepted it: the read model's stand-in for a judge's own criterion when it has none.

A built-in judge, or a custom judge made without `--criterion`, has no criterion of its own;
on a dataset labeled on several criteria the rule of `comparisons.criterion` would refuse it
(or compare it on `default`), although its version was accepted from an alignment run told
the criterion. That run is the version's record of what it was aligned for. It is found from
the version back through its provenance (`edited_from`, `forked_from`) to a version an
alignment run accepted (`alignment_run`, checked against that run's `accepted_version`: a
judge imported from another store names another store's run). Every surface (report, web run
page, dashboard, benchmark queues) reads a run's criterion through `run_judge_criterion`, so
one run never shows figures on two criteria.
"""

from __future__ import annotations

from dataclasses import dataclass

from evalign.errors import NotFoundError
from evalign.store.repo_alignment_runs import get_alignment_run
from evalign.store.repo_comparisons import RunRecord, labeled_criteria
from evalign.store.repo_judges import resolve
from evalign.store.session import Session

MAX_LINEAGE = 50
"""Versions followed back at most (provenance is written by evalign; this only bounds a
hand-edited cycle)."""


@dataclass(frozen=True)
class AlignedCriterion:
    """The criterion an alignment run aligned a judge version on, and the words that say so."""

    name: str
    words: str


def run_judge_criterion(session: Session, run: RunRecord) -> str | None:
    """The criterion the read model treats as run `run`'s judge's own: the judge's, else the
    one its version was aligned on when the run's dataset has labels on it, else None."""
    if run.judge_criterion is not None:
        return run.judge_criterion
    found = aligned_criterion(session, f"{run.judge}@{run.version}")
    labeled = {c.name for c in labeled_criteria(session, run.dataset_id)}
    return found.name if found is not None and found.name in labeled else None


def aligned_criterion(session: Session, ref: str) -> AlignedCriterion | None:
    """The criterion of the alignment run that judge version `ref` (`NAME@V`) was accepted
    from, or descends from by edits and forks; None when no such run names one."""
    start, seen = ref, set[str]()
    while ref and ref not in seen and len(seen) < MAX_LINEAGE:
        seen.add(ref)
        try:
            info = resolve(session, ref)
        except NotFoundError:
            return None  # a fork of a judge since deleted: its record is gone
        provenance = info.provenance
        if isinstance(provenance.get("alignment_run"), int):
            found = _accepted_from(session, provenance["alignment_run"], ref, start)
            if found is not None:
                return found
            ref = str(provenance.get("from") or "")
        elif isinstance(provenance.get("edited_from"), int):
            ref = f"{info.judge}@{provenance['edited_from']}"
        else:
            ref = str(provenance.get("forked_from") or "")
    return None


def _accepted_from(session: Session, alignment_id: int, ref: str, start: str
                   ) -> AlignedCriterion | None:
    """The criterion of alignment run `alignment_id` when it is the run that accepted `ref`
    here and was given or chose a criterion."""
    try:
        aligned = get_alignment_run(session, alignment_id)
    except NotFoundError:
        return None
    if aligned.accepted_version != ref:
        return None  # not this store's record of `ref` (an imported judge)
    name = (aligned.outcome.criterion if aligned.outcome else None) or \
        aligned.config.get("criterion")
    if not isinstance(name, str) or not name:
        return None
    how = "" if ref == start else f", which {start} descends from"
    return AlignedCriterion(name, f"the criterion alignment run {alignment_id} aligned "
                                  f"{aligned.judge}@{aligned.judge_version} on (accepted as "
                                  f"{ref}{how}); the judge has no criterion of its own")
