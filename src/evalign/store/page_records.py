"""Records the dataset, queue and adjudication pages read: items, labels, page criteria.

Plain frozen records detached from the session. Labels keep their times as stored (naive on
SQLite), as the web has always shown them. A page names criteria more loosely than an import:
`ensure_criterion` never refuses a stored criterion over its scale, and a dataset's criteria
are those it has labels on, runs on, or named in its source. Only the queue page adds a
criterion to a dataset (`queue_criterion`); a label, skip or resolution goes on one the
dataset already has (`dataset_criterion`), so one stray label cannot invent a criterion.

All functions take an open `Session` (`with store.session() as s:` is one transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import CriterionChoiceError, NotFoundError
from evalign.scores import ScoreConfig
from evalign.store import models as m
from evalign.store.repo_criteria import get_criterion, get_or_create_criterion, scale_of
from evalign.store.repo_labels import LabelRecord


@dataclass(frozen=True)
class CriterionRecord:
    """A stored criterion and the scale its labels are checked against."""

    id: int
    name: str
    description: str
    scale: ScoreConfig


@dataclass(frozen=True)
class ItemRecord:
    """A stored item as pages show it (`meta`: its metadata)."""

    id: int
    external_id: str
    position: int
    inputs: dict[str, Any] | None
    output: str | None
    output_2: str | None
    meta: dict[str, Any] | None


@dataclass(frozen=True)
class DatasetRow:
    """A dataset version with its size: rows, and rows carrying at least one label."""

    id: int
    name: str
    description: str
    kind: str
    rows: int
    labeled: int
    created_at: datetime | None
    version: int


def criterion_record(row: m.Criterion) -> CriterionRecord:
    """A stored criterion as a record."""
    return CriterionRecord(row.id, row.name, row.description, scale_of(row))


def item_record(row: m.Item) -> ItemRecord:
    """A stored item as a record."""
    return ItemRecord(row.id, row.external_id, row.position, row.inputs, row.output,
                      row.output_2, row.meta)


def label_as_stored(row: m.Label, criterion: str) -> LabelRecord:
    """A stored label as a record, its times as the database returned them."""
    return LabelRecord(row.id, row.item_id, criterion, row.annotator, row.value, row.reasoning,
                       row.resolved, row.created_at, row.updated_at, row.source)


def stored_label(session: Session, label_id: int, criterion: str) -> LabelRecord:
    """The label `label_id` as stored now (after a write in this transaction)."""
    return label_as_stored(session.get_one(m.Label, label_id), criterion)


def ensure_criterion(session: Session, name: str, scale: str | None = None) -> CriterionRecord:
    """The criterion `name` as stored, or created with `scale` (default pass_fail).

    Unlike the importer, a page never refuses an existing criterion over its scale: the
    stored scale is the one labels are checked against.
    """
    existing = get_criterion(session, name)
    if existing is None:
        existing = get_or_create_criterion(session, name,
                                           ScoreConfig.parse(scale) if scale else None)
    return criterion_record(existing)


def queue_criterion(session: Session, dataset: m.Dataset, name: str,
                    scale: str | None = None) -> CriterionRecord:
    """The criterion `name` the queue of `dataset` shows, made one of the dataset's criteria
    (named in its source) and created with `scale` (default pass_fail) when it is new."""
    crit = ensure_criterion(session, name, scale)
    named = [n for n in (dataset.source or {}).get("criteria", []) if isinstance(n, str)]
    if crit.name not in named and crit.name not in _names(criteria_of_dataset(session,
                                                                              dataset.id)):
        dataset.source = {**(dataset.source or {}), "criteria": [*named, crit.name]}
    return crit


def dataset_criterion(session: Session, dataset: m.Dataset, named: str | None
                      ) -> CriterionRecord:
    """The criterion of `dataset` a label, skip or resolution goes on; never a new one.

    Args:
        named: the criterion the caller named; None takes the dataset's only criterion.

    Raises:
        NotFoundError: the dataset has no criterion `named` (or none at all): the message
            lists its criteria and how the queue adds one.
        CriterionChoiceError: `named` is None and the dataset has several criteria.
    """
    have = criteria_of_dataset(session, dataset.id)
    if named is None and len(have) > 1:
        raise CriterionChoiceError(_names(have))
    found = next((c for c in have if named is None or c.name == named), None)
    if found is None:
        raise NotFoundError(_missing(dataset.name, named, _names(have)))
    return found


def _missing(dataset: str, named: str | None, have: list[str]) -> str:
    add = f"?criterion={named or 'NAME'}&scale=SCALE"
    if named is None:
        return (f"dataset {dataset!r} has no criterion yet: open its queue with {add} to add "
                "one, then label on it")
    return (f"dataset {dataset!r} has no criterion {named!r} (its criteria: "
            f"{', '.join(have) or 'none yet'}): label one of them, or add {named!r} by opening "
            f"its queue with {add}")


def _names(criteria: list[CriterionRecord]) -> list[str]:
    return [c.name for c in criteria]


def criteria_of_dataset(session: Session, dataset_id: int) -> list[CriterionRecord]:
    """The criteria a dataset uses, by name.

    Those with labels on its items, judged by runs on it, or named in its source
    (`source["criteria"]`, e.g. by an import that found no labels yet).
    """
    labeled = (sa.select(m.Label.criterion_id).join(m.Item, m.Item.id == m.Label.item_id)
               .where(m.Item.dataset_id == dataset_id).distinct())
    judged = (sa.select(m.Judge.criterion_id)
              .join(m.JudgeVersion, m.JudgeVersion.judge_id == m.Judge.id)
              .join(m.Run, m.Run.judge_version_id == m.JudgeVersion.id)
              .where(m.Run.dataset_id == dataset_id, m.Judge.criterion_id.is_not(None)))
    dataset = session.get_one(m.Dataset, dataset_id)
    named = [str(n) for n in (dataset.source or {}).get("criteria", []) if isinstance(n, str)]
    ids = set(session.scalars(labeled)) | set(session.scalars(judged))
    query = sa.select(m.Criterion).where(m.Criterion.id.in_(ids) | m.Criterion.name.in_(named))
    return [criterion_record(c) for c in session.scalars(query.order_by(m.Criterion.name))]


def dataset_row(dataset: m.Dataset, rows: int, labeled: int) -> DatasetRow:
    """A stored dataset version with its counts, as a record."""
    return DatasetRow(dataset.id, dataset.name, dataset.description, dataset.kind, rows, labeled,
                      dataset.created_at, dataset.version)
