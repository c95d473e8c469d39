"""Human labels in the store: read them, add or change one, count them per value.

All functions take an open `Session` (`with store.session() as s:` is one transaction).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from evalign.data.records import DEFAULT_ANNOTATOR
from evalign.errors import ConflictError, DataError, NotFoundError
from evalign.scores import ScoreConfig, Value
from evalign.store import models as m
from evalign.store.repo_criteria import get_criterion, scale_of


@dataclass(frozen=True)
class LabelRecord:
    """A stored human label, detached from the session."""

    id: int
    item_id: int
    criterion: str
    annotator: str
    value: Value
    reasoning: str
    resolved: bool
    created_at: datetime



def balance_key(scale: ScoreConfig, value: Value) -> str:
    """How a label value counts in a label balance: continuous scales count as pass/fail."""
    if scale.kind == "numeric":
        return "pass" if scale.to_pass(value) else "fail"
    if scale.kind == "text":
        return "text"
    return str(value)



def dataset_criteria(session: Session, dataset_id: int) -> list[m.Criterion]:
    """The criteria that have labels on this dataset's items, by name."""
    ids = (
        sa.select(m.Label.criterion_id)
        .join(m.Item, m.Item.id == m.Label.item_id)
        .where(m.Item.dataset_id == dataset_id)
        .distinct()
    )
    query = sa.select(m.Criterion).where(m.Criterion.id.in_(ids)).order_by(m.Criterion.name)
    return list(session.scalars(query))


def criterion_for(session: Session, dataset_id: int, name: str | None = None) -> m.Criterion:
    """The criterion `name`, or when None the dataset's only labeled criterion.

    Raises:
        NotFoundError: no such criterion, or the dataset has no labels.
        ConflictError: no name given and the dataset has labels on several criteria.
    """
    if name is not None:
        criterion = get_criterion(session, name)
        if criterion is None:
            raise NotFoundError(f"no criterion named {name!r}")
        return criterion
    found = dataset_criteria(session, dataset_id)
    if not found:
        raise NotFoundError("the dataset has no labels: import or add labels first")
    if len(found) > 1:
        names = ", ".join(c.name for c in found)
        raise ConflictError(f"the dataset has labels on several criteria ({names}): name one")
    return found[0]


def labels_for(
    session: Session, dataset_id: int, criterion: str | None = None
) -> list[LabelRecord]:
    """The dataset's labels (of one criterion, or all), ordered by item position then annotator."""
    query = (
        sa.select(m.Label, m.Criterion.name)
        .join(m.Item, m.Item.id == m.Label.item_id)
        .join(m.Criterion, m.Criterion.id == m.Label.criterion_id)
        .where(m.Item.dataset_id == dataset_id)
        .order_by(m.Item.position, m.Criterion.name, m.Label.annotator)
    )
    if criterion is not None:
        query = query.where(m.Criterion.name == criterion)
    return [_record(label, name) for label, name in session.execute(query)]


def _record(label: m.Label, criterion: str) -> LabelRecord:
    return LabelRecord(
        label.id, label.item_id, criterion, label.annotator, label.value, label.reasoning,
        label.resolved, label.created_at,
    )


def upsert_label(
    session: Session,
    item_id: int,
    criterion: str,
    value: Any,
    *,
    annotator: str = DEFAULT_ANNOTATOR,
    reasoning: str = "",
    resolved: bool = False,
) -> LabelRecord:
    """Add or change the label of (item, criterion, annotator); the value is checked.

    Raises:
        NotFoundError: the criterion does not exist.
        DataError: the value lies outside the criterion's scale.
    """
    row = get_criterion(session, criterion)
    if row is None:
        raise NotFoundError(f"no criterion named {criterion!r}")
    try:
        parsed = scale_of(row).parse_value(value)
    except ValueError as exc:
        raise DataError(f"label for criterion {criterion!r} {exc}", f"item {item_id}") from exc
    # One INSERT ... ON CONFLICT statement, not select-then-insert: two annotators' browsers (or a
    # double-clicked submit) racing on the same key must both succeed, the later value winning.
    insert = _insert_for(session)
    values = {"item_id": item_id, "criterion_id": row.id, "annotator": annotator,
              "value": parsed, "reasoning": reasoning, "resolved": resolved,
              "created_at": m.utcnow()}
    statement = insert(m.Label).values(**values).on_conflict_do_update(
        index_elements=["item_id", "criterion_id", "annotator"],
        set_={"value": parsed, "reasoning": reasoning, "resolved": resolved},
    )
    session.execute(statement)
    label = session.scalars(
        sa.select(m.Label).where(
            m.Label.item_id == item_id, m.Label.criterion_id == row.id,
            m.Label.annotator == annotator,
        ).execution_options(populate_existing=True)
    ).one()
    return _record(label, criterion)


def _insert_for(session: Session) -> Any:
    """The dialect's INSERT construct, which knows ON CONFLICT (SQLite and PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql_insert
    return sqlite_insert


def label_balance(
    session: Session, dataset_id: int, criterion: str | None = None
) -> dict[str, dict[str, int]]:
    """Per criterion, how many labels have each value (continuous scales as pass/fail)."""
    scales: dict[str, ScoreConfig] = {}
    balance: dict[str, Counter[str]] = {}
    for label in labels_for(session, dataset_id, criterion):
        if label.criterion not in scales:
            found = get_criterion(session, label.criterion)
            assert found is not None
            scales[label.criterion] = scale_of(found)
        key = balance_key(scales[label.criterion], label.value)
        balance.setdefault(label.criterion, Counter())[key] += 1
    return {name: dict(sorted(counts.items())) for name, counts in balance.items()}


def dataset_annotators(session: Session, dataset_id: int) -> list[str]:
    """The annotators who labeled this dataset, by name."""
    query = (
        sa.select(m.Label.annotator)
        .join(m.Item, m.Item.id == m.Label.item_id)
        .where(m.Item.dataset_id == dataset_id)
        .distinct()
        .order_by(m.Label.annotator)
    )
    return list(session.scalars(query))
