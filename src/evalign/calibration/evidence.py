"""Making a calibration record: held-out figures of one judge version on one labeled dataset.

Two sources, both held out:

- the test split of the accepted alignment run that produced the version (no model call; the
  optimizer never saw those items), when that run learned from the dataset;
- a fresh benchmark run of the version on the dataset. When the version came from an alignment
  run on this same dataset, only that run's test items count: the rest trained it.

The figures kept are those the gate reads — agreement with its Wilson interval, Cohen's κ with
its bootstrap interval — plus the confusion counts, the number of verdicts that were errors, and
the statistics' own warnings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalign.calibration.fingerprint import spec_content, spec_hash
from evalign.errors import ConflictError
from evalign.providers.base import ModelAPI
from evalign.report.load import load_run, pick_criterion
from evalign.runner.run import run_judge
from evalign.stats import Comparison, agreement_report
from evalign.store import Store
from evalign.store.repo_calibrations import (
    AcceptedAlignment,
    CalibrationRecord,
    accepted_alignment,
    add_calibration,
    dataset_fingerprint,
)
from evalign.store.repo_items import get_dataset
from evalign.store.repo_judges import get_version, resolve

FIGURE_KEYS = ("comparisons", "agreement", "agreement_ci", "kappa", "kappa_ci", "confusion",
               "warnings")


def figures_of(report: dict[str, Any], errors: int) -> dict[str, Any]:
    """The part of an agreement report a calibration keeps, plus the error count."""
    return {key: report.get(key) for key in FIGURE_KEYS} | {"errors": errors}


def from_alignment(store: Store, judge_ref: str, dataset: str) -> CalibrationRecord | None:
    """Record the test-split figures of the accepted alignment run that made this version.

    Returns:
        The new record, or None when the version did not come from an accepted alignment run
        that learned from `dataset` (or its stored candidate differs from the version).
    """
    with store.session() as session:
        row = get_version(session, judge_ref)
        info = resolve(session, judge_ref)
        found = accepted_alignment(session, row.id)
        if found is None or dataset not in found.datasets:
            return None
        candidate = found.outcome.get("candidate_spec")
        if candidate is None or spec_hash(candidate) != spec_hash(info.spec):
            return None
        report = found.outcome.get("candidate") or {}
        target = get_dataset(session, dataset)
        criterion = pick_criterion(session, target.id, found.outcome.get("criterion"), None)
        source = {"kind": "alignment_test", "id": found.run_id,
                  "items": len(found.outcome.get("test_items") or []),
                  "dataset_version": getattr(target, "version", None),
                  "note": f"test split of accepted alignment run {found.run_id}"}
        return add_calibration(
            session, judge_version_id=row.id, spec_hash=spec_hash(info.spec),
            spec=spec_content(info.spec), dataset=dataset,
            dataset_fingerprint=dataset_fingerprint(session, target.id, criterion.id),
            criterion=criterion.name, source=source,
            figures=figures_of(report, _uncompared(report.get("cannot_compare"))))


def from_fresh_run(store: Store, judge_ref: str, dataset: str, *, criterion: str | None = None,
                   provider: ModelAPI | None = None,
                   concurrency: int | None = None) -> CalibrationRecord:
    """Run the version on the dataset now and record its held-out figures.

    Raises:
        NotFoundError: no such judge or dataset, or the dataset has no labels.
        ConflictError: the run did not complete.
    """
    with store.session() as session:
        row = get_version(session, judge_ref)
        info = resolve(session, judge_ref)
        trained = accepted_alignment(session, row.id)
    ref = info.ref
    summary = run_judge(store, ref, dataset, provider=provider, concurrency=concurrency)
    if summary.status != "completed":
        raise ConflictError(f"calibration run {summary.run} of {ref} ended {summary.status}"
                            f"{': ' + summary.error if summary.error else ''}")
    loaded = load_run(store, summary.run, criterion=criterion)
    comparisons, note = _held_out(loaded.comparisons, trained, dataset)
    # Errors count over the whole run (conservatively, training items' errors too).
    errors = loaded.errors
    report = agreement_report(comparisons)
    with store.session() as session:
        target = get_dataset(session, dataset)
        crit = pick_criterion(session, target.id, loaded.criterion, None)
        return add_calibration(
            session, judge_version_id=row.id, spec_hash=spec_hash(info.spec),
            spec=spec_content(info.spec), dataset=dataset,
            dataset_fingerprint=dataset_fingerprint(session, target.id, crit.id),
            criterion=crit.name,
            source={"kind": "run", "id": summary.run, "items": summary.items, "note": note,
                    "dataset_version": getattr(target, "version", None)},
            figures=figures_of(report, errors))


def _uncompared(value: Any) -> int:
    # The alignment outcome keeps no error count of its own; its test pairs that could not be
    # compared (errored verdicts among them) stand in, so errors are never silently dropped.
    if isinstance(value, dict):
        return sum(int(v) for v in value.values())
    return int(value or 0)


def _held_out(comparisons: Sequence[Comparison], trained: AcceptedAlignment | None,
              dataset: str) -> tuple[list[Comparison], str]:
    if trained is None or dataset not in trained.datasets:
        return list(comparisons), "fresh run on every labeled item"
    test = set(trained.outcome.get("test_items") or [])
    kept = [c for c in comparisons if c.item_id in test]
    return kept, (f"fresh run; only the {len(test)} test items of alignment run "
                  f"{trained.run_id} count (the others trained this version)")

