"""Calibration records in the store, and the facts the release gate reads around them.

A calibration record is evidence that one judge version agreed with one labeled dataset's
humans: written once, never updated (see `models_calibration`). Besides adding and reading
records, this module fingerprints a dataset's items and labels (so a gate can tell that labels
changed since calibration) and finds the accepted alignment run that produced a judge version
(whose test split is held-out evidence that costs no model call).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.store import models as m
from evalign.store.models_calibration import Calibration


@dataclass(frozen=True)
class CalibrationRecord:
    """One stored calibration (a detached record).

    Attributes:
        id: the record's id.
        judge: the judge's name; `version` its version number.
        spec_hash: sha256 of the version's content (prompt, scale, model, params, ...).
        spec: that content, so a later gate can say which part changed.
        dataset: the labeled dataset's name; `dataset_fingerprint` the sha256 of its items and
            labels on `criterion` at calibration time (the dataset version measured).
        source: where the figures came from: `{"kind": "alignment_test" | "run", "id": N, ...}`.
        figures: `comparisons`, `agreement`, `agreement_ci`, `kappa`, `kappa_ci`, `confusion`,
            `errors` (verdicts that were errors), `warnings`; intervals are 95%, [low, high].
        created_at: when it was recorded (UTC).
    """

    id: int
    judge: str
    version: int
    spec_hash: str
    spec: dict[str, Any]
    dataset: str
    dataset_fingerprint: str
    criterion: str
    source: dict[str, Any]
    figures: dict[str, Any]
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the shape `evalign judge calibration` prints)."""
        return {"id": self.id, "judge": f"{self.judge}@{self.version}",
                "spec_hash": self.spec_hash, "dataset": self.dataset,
                "dataset_version": self.dataset_fingerprint, "criterion": self.criterion,
                "source": self.source, "figures": self.figures,
                "created_at": self.created_at.isoformat(), "spec": self.spec}


def add_calibration(session: Session, *, judge_version_id: int, spec_hash: str,
                    spec: dict[str, Any], dataset: str, dataset_fingerprint: str, criterion: str,
                    source: dict[str, Any], figures: dict[str, Any]) -> CalibrationRecord:
    """Store a new calibration record of a judge version and return it."""
    version = session.get_one(m.JudgeVersion, judge_version_id)
    row = Calibration(judge_version_id=judge_version_id, judge_name=version.judge.name,
                      judge_version=version.version, spec_hash=spec_hash, spec=spec,
                      dataset_name=dataset, dataset_fingerprint=dataset_fingerprint,
                      criterion=criterion, source=source, figures=figures,
                      created_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    return _record(row)


def latest_calibration(session: Session, judge: str,
                       dataset: str | None = None) -> CalibrationRecord | None:
    """The newest record of any version of `judge` (on `dataset`, when given), or None."""
    query = _of_judge(judge).limit(1)
    if dataset is not None:
        query = query.where(Calibration.dataset_name == dataset)
    row = session.scalar(query)
    return _record(row) if row is not None else None


def list_calibrations(session: Session, judge: str) -> list[CalibrationRecord]:
    """Every record of any version of `judge`, newest first."""
    return [_record(row) for row in session.scalars(_of_judge(judge))]


def dataset_fingerprint(session: Session, dataset_id: int, criterion_id: int) -> str:
    """sha256 over the dataset's items (ids, inputs, outputs) and its labels on one criterion.

    Any added, removed or edited item or label changes it; store ids and times do not enter, so
    the same content re-imported fingerprints the same.
    """
    digest = hashlib.sha256()
    items = session.execute(
        sa.select(m.Item.id, m.Item.external_id, m.Item.inputs, m.Item.output, m.Item.output_2)
        .where(m.Item.dataset_id == dataset_id).order_by(m.Item.position))
    external: dict[int, str] = {}
    for item_id, ext, inputs, output, output_2 in items:
        external[item_id] = ext
        digest.update(_canonical(["item", ext, inputs, output, output_2]))
    labels = session.execute(
        sa.select(m.Label.item_id, m.Label.annotator, m.Label.value, m.Label.resolved)
        .join(m.Item, m.Item.id == m.Label.item_id)
        .where(m.Item.dataset_id == dataset_id, m.Label.criterion_id == criterion_id)
        .order_by(m.Item.position, m.Label.annotator))
    for item_id, annotator, value, resolved in labels:
        digest.update(_canonical(["label", external[item_id], annotator, value, resolved]))
    return digest.hexdigest()


@dataclass(frozen=True)
class AcceptedAlignment:
    """The accepted alignment run that produced a judge version."""

    run_id: int
    datasets: list[str]
    outcome: dict[str, Any]


def accepted_alignment(session: Session, judge_version_id: int) -> AcceptedAlignment | None:
    """The alignment run whose accepted candidate is this version, or None.

    `datasets` names every dataset it learned from: its `--dataset` and its source runs' datasets.
    """
    row = session.scalar(
        sa.select(m.AlignmentRun)
        .where(m.AlignmentRun.accepted_version_id == judge_version_id,
               m.AlignmentRun.decision == "accepted")
        .order_by(m.AlignmentRun.id.desc()).limit(1))
    if row is None:
        return None
    names = list((row.sources or {}).get("datasets") or [])
    run_ids = list((row.sources or {}).get("runs") or [])
    if run_ids:
        names += session.scalars(
            sa.select(m.Dataset.name).join(m.Run, m.Run.dataset_id == m.Dataset.id)
            .where(m.Run.id.in_(run_ids))).all()
    return AcceptedAlignment(row.id, sorted(set(names)), dict(row.outcome or {}))


def _of_judge(judge: str) -> sa.Select[Calibration]:
    return (sa.select(Calibration).where(Calibration.judge_name == judge)
            .order_by(Calibration.created_at.desc(), Calibration.id.desc()))


def _canonical(value: Any) -> bytes:
    return (json.dumps(value, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode()


def _record(row: Calibration) -> CalibrationRecord:
    created = row.created_at
    if created.tzinfo is None:  # SQLite hands back naive datetimes
        created = created.replace(tzinfo=UTC)
    return CalibrationRecord(
        id=row.id, judge=row.judge_name, version=row.judge_version, spec_hash=row.spec_hash,
        spec=dict(row.spec), dataset=row.dataset_name,
        dataset_fingerprint=row.dataset_fingerprint, criterion=row.criterion,
        source=dict(row.source), figures=dict(row.figures), created_at=created)
