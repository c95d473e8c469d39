"""The label history: every change to a label, appended, never edited.

A row says which label (and item, criterion, annotator), what happened (`create`, `update`,
`delete`, `carry` — copied onto a new dataset version by `import --replace`), the value and
reasoning before and after, who made the change, through what (`import`, `web`, `api`), and when.

All functions take an open `Session`; the caller's transaction makes them atomic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.store import models as m

Action = Literal["create", "update", "delete", "carry"]


@dataclass(frozen=True)
class HistoryEntry:
    """One change to one label, detached from the session."""

    id: int
    label_id: int
    item_id: int
    criterion: str
    annotator: str
    action: str
    old_value: Any
    new_value: Any
    old_reasoning: str | None
    new_reasoning: str | None
    changed_by: str
    source: str
    changed_at: datetime


def entry(label: m.Label, action: Action, *, who: str, source: str, old_value: Any = None,
          old_reasoning: str | None = None, at: datetime | None = None) -> dict[str, Any]:
    """The insert parameters of one history row about `label` (its current value is "new")."""
    gone = action == "delete"
    return {
        "label_id": label.id, "item_id": label.item_id, "criterion_id": label.criterion_id,
        "annotator": label.annotator, "action": action, "old_value": old_value,
        "new_value": None if gone else label.value, "old_reasoning": old_reasoning,
        "new_reasoning": None if gone else label.reasoning, "resolved": label.resolved,
        "changed_by": who, "source": source, "changed_at": at or m.utcnow(),
    }


def append(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Insert history rows made by `entry` (or with the same keys), in one statement."""
    params = list(rows)
    if params:
        session.execute(sa.insert(m.LabelHistory), params)


def history(session: Session, *, item_id: int | None = None, label_id: int | None = None,
            dataset_id: int | None = None) -> list[HistoryEntry]:
    """The changes to one item's, one label's or one dataset version's labels, oldest first."""
    query = (sa.select(m.LabelHistory, m.Criterion.name)
             .join(m.Criterion, m.Criterion.id == m.LabelHistory.criterion_id)
             .order_by(m.LabelHistory.id))
    if item_id is not None:
        query = query.where(m.LabelHistory.item_id == item_id)
    if label_id is not None:
        query = query.where(m.LabelHistory.label_id == label_id)
    if dataset_id is not None:
        items = sa.select(m.Item.id).where(m.Item.dataset_id == dataset_id)
        query = query.where(m.LabelHistory.item_id.in_(items))
    return [HistoryEntry(h.id, h.label_id, h.item_id, name, h.annotator, h.action, h.old_value,
                         h.new_value, h.old_reasoning, h.new_reasoning, h.changed_by, h.source,
                         _utc(h.changed_at))
            for h, name in session.execute(query)]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
