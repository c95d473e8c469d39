"""Human labels in the store: read them, add or change one (counting them: `repo_label_counts`).

Every change goes through `record_label` (or `resolve_label` for adjudications), which keeps
`created_at` / `updated_at` honest (updated only when something changes), appends the change to
the label history (`repo_history`), and refuses items of a superseded dataset version.

All functions take an open `Session` (`with store.session() as s:` is one transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from evalign.data.records import DEFAULT_ANNOTATOR
from evalign.errors import ConflictError, DataError, NotFoundError
from evalign.scores import ScoreConfig, Value
from evalign.store import models as m
from evalign.store import repo_history
from evalign.store.repo_criteria import get_criterion, scale_of
from evalign.store.repo_versions import ensure_current, writable_item

LabelSource = str
"""Where a label was made: `import` (a file), `web` (the web app), `api` (Python or scripts)."""
HAND_MADE = ("web", "api")
"""Sources whose labels `import --replace` carries over to unchanged items."""


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
    updated_at: datetime | None = None
    source: str = "import"



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
        label.resolved, _utc(label.created_at), _utc(label.updated_at), label.source,
    )


def _utc(moment: datetime) -> datetime:
    """A stored time as timezone-aware UTC (SQLite hands back naive datetimes)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
    """Add or change the label of (item, criterion, annotator), made through the Python API.

    The same as `record_label` with `who=annotator` and source `api`.
    """
    return record_label(session, item_id, criterion, value, annotator=annotator,
                        reasoning=reasoning, resolved=resolved)


def record_label(
    session: Session,
    item_id: int,
    criterion: str,
    value: Any,
    *,
    annotator: str,
    who: str | None = None,
    source: LabelSource = "api",
    reasoning: str = "",
    resolved: bool = False,
    dataset: str | None = None,
) -> LabelRecord:
    """Add or change the label of (item, criterion, annotator) and append it to the history.

    Racing writers of the same key (two tabs, a double-clicked submit) both succeed, the later
    value winning: the row is created with one INSERT ... ON CONFLICT DO NOTHING, and a change
    is made under a row lock. Saving the value the label already has changes nothing (no
    history row, `updated_at` stays).

    Args:
        annotator: whose label it is.
        who: who made the change (default: the annotator; an adjudicator for resolutions).
        source: `web`, `api` or `import`.
        dataset: when given, the item must belong to this dataset (by name).

    Raises:
        NotFoundError: the criterion or item does not exist.
        DataError: the value lies outside the criterion's scale.
        ConflictError: the item belongs to a superseded dataset version (says what to do).
    """
    row = get_criterion(session, criterion)
    if row is None:
        raise NotFoundError(f"no criterion named {criterion!r}")
    try:
        parsed = scale_of(row).parse_value(value)
    except ValueError as exc:
        raise DataError(f"label for criterion {criterion!r} {exc}", f"item {item_id}") from exc
    item = writable_item(session, item_id, dataset)
    now, changer = m.utcnow(), who or annotator
    key = {"item_id": item_id, "criterion_id": row.id, "annotator": annotator}
    new = {"value": parsed, "reasoning": reasoning, "resolved": resolved}
    statement = _insert_for(session)(m.Label).values(
        **key, **new, source=source, created_at=now, updated_at=now,
    ).on_conflict_do_nothing(index_elements=list(key)).returning(m.Label.id)
    created = session.scalar(statement)
    ensure_current(session, item)  # now that this transaction holds SQLite's write lock
    label = session.scalars(
        sa.select(m.Label).filter_by(**key).with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if created is not None:
        repo_history.append(session, [repo_history.entry(label, "create", who=changer,
                                                         source=source, at=now)])
    elif (label.value, label.reasoning, label.resolved) != (parsed, reasoning, resolved):
        old = repo_history.entry(label, "update", who=changer, source=source, at=now,
                                 old_value=label.value, old_reasoning=label.reasoning)
        label.value, label.reasoning, label.resolved = parsed, reasoning, resolved
        label.source, label.updated_at = source, now
        session.flush()
        repo_history.append(session, [{**old, "new_value": parsed, "new_reasoning": reasoning,
                                       "resolved": resolved}])
    return _record(label, criterion)


def resolve_label(
    session: Session,
    item_id: int,
    criterion: str,
    value: Any,
    *,
    adjudicator: str,
    as_annotator: str,
    source: LabelSource = "web",
    reasoning: str = "",
    dataset: str | None = None,
) -> LabelRecord:
    """Record the resolved label of an item, replacing any earlier resolution (in the history).

    Args:
        adjudicator: who resolves (the history's `changed_by`).
        as_annotator: the name the resolution is stored under (e.g. "judy (adjudication)").

    Raises:
        NotFoundError, DataError, ConflictError: as `record_label`.
    """
    row = get_criterion(session, criterion)
    if row is None:
        raise NotFoundError(f"no criterion named {criterion!r}")
    try:
        scale_of(row).parse_value(value)  # refuse before the old resolution is dropped
    except ValueError as exc:
        raise DataError(f"resolved label {exc}", f"item {item_id}") from exc
    writable_item(session, item_id, dataset)
    earlier = session.scalars(sa.select(m.Label).where(
        m.Label.item_id == item_id, m.Label.criterion_id == row.id, m.Label.resolved.is_(True),
        m.Label.annotator != as_annotator).with_for_update()).all()
    repo_history.append(session, [
        repo_history.entry(old, "delete", who=adjudicator, source=source, old_value=old.value,
                           old_reasoning=old.reasoning) for old in earlier])
    for old in earlier:
        session.delete(old)
    session.flush()
    return record_label(session, item_id, criterion, value, annotator=as_annotator,
                        who=adjudicator, source=source, reasoning=reasoning, resolved=True,
                        dataset=dataset)


def _insert_for(session: Session) -> Any:
    """The dialect's INSERT construct, which knows ON CONFLICT (SQLite and PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql_insert
    return sqlite_insert
