"""Carrying hand-made labels over from a superseded dataset version to its replacement.

`import --replace` makes a new version from the file; labels that people made in evalign (the
web app, the Python API) after the old import are not in that file. Each such label is copied
onto the new item with the same content (inputs and outputs, `store.content`), preferring the item
with the same external id when several match. A label is not carried when no new item has that
content (the item changed or is gone), or when the file itself labels the new item for the same
criterion and annotator (the file wins). The copy keeps its value, reasoning, annotator and
times, records `carried_from_id`, and gets a `carry` row in the label history.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.store import models as m
from evalign.store import repo_history
from evalign.store.repo_labels import HAND_MADE

CHANGED = "content changed or item gone"
FILE_LABELED = "the new file labels that item"


@dataclass
class CarryOver:
    """How many hand-made labels moved to the new version, and why the others did not."""

    carried: int = 0
    not_carried: Counter[str] = field(default_factory=Counter)

    @property
    def missed(self) -> int:
        """How many hand-made labels could not be carried over."""
        return sum(self.not_carried.values())


def carry_over(session: Session, old_id: int, new_id: int, who: str) -> CarryOver:
    """Copy the hand-made labels of dataset version `old_id` onto version `new_id`.

    Args:
        who: who made the replace (the history's `changed_by`).
    """
    result = CarryOver()
    made = session.execute(
        sa.select(m.Label, m.Item.content_hash, m.Item.external_id)
        .join(m.Item, m.Item.id == m.Label.item_id)
        .where(m.Item.dataset_id == old_id, m.Label.source.in_(HAND_MADE))
        .order_by(m.Item.position, m.Label.id)
    ).all()
    if not made:
        return result
    targets = _Targets(session, new_id)
    copies: list[tuple[m.Label, dict[str, Any]]] = []
    for label, digest, external_id in made:
        item_id = targets.find(digest, external_id)
        if item_id is None:
            result.not_carried[CHANGED] += 1
        elif not targets.claim(item_id, label.criterion_id, label.annotator):
            result.not_carried[FILE_LABELED] += 1
        else:
            copies.append((label, _copy(label, item_id)))
    _insert(session, copies, who)
    result.carried = len(copies)
    return result


class _Targets:
    """The new version's items by content, and the label keys already taken there."""

    def __init__(self, session: Session, dataset_id: int):
        self.by_hash: dict[str, list[tuple[int, str]]] = {}
        rows = session.execute(sa.select(m.Item.id, m.Item.content_hash, m.Item.external_id)
                               .where(m.Item.dataset_id == dataset_id).order_by(m.Item.position))
        for item_id, digest, external_id in rows:
            self.by_hash.setdefault(digest, []).append((item_id, external_id))
        taken = session.execute(
            sa.select(m.Label.item_id, m.Label.criterion_id, m.Label.annotator)
            .join(m.Item, m.Item.id == m.Label.item_id).where(m.Item.dataset_id == dataset_id))
        self.taken: set[tuple[int, int, str]] = {tuple(row) for row in taken}  # type: ignore[misc]

    def find(self, digest: str, external_id: str) -> int | None:
        candidates = self.by_hash.get(digest, [])
        same_id = [item for item, ext in candidates if ext == external_id]
        ranked = same_id or [item for item, _ in candidates]
        return ranked[0] if ranked else None

    def claim(self, item_id: int, criterion_id: int, annotator: str) -> bool:
        key = (item_id, criterion_id, annotator)
        if key in self.taken:
            return False
        self.taken.add(key)
        return True


def _copy(label: m.Label, item_id: int) -> dict[str, Any]:
    return {"item_id": item_id, "criterion_id": label.criterion_id, "annotator": label.annotator,
            "value": label.value, "reasoning": label.reasoning, "resolved": label.resolved,
            "source": label.source, "carried_from_id": label.id,
            "created_at": label.created_at, "updated_at": label.updated_at}


def _insert(session: Session, copies: list[tuple[m.Label, dict[str, Any]]], who: str) -> None:
    if not copies:
        return
    ids = session.scalars(sa.insert(m.Label).returning(m.Label.id, sort_by_parameter_order=True),
                          [params for _, params in copies]).all()
    now = m.utcnow()
    repo_history.append(session, [
        {"label_id": new_id, "item_id": params["item_id"], "criterion_id": old.criterion_id,
         "annotator": old.annotator, "action": "carry", "old_value": None,
         "new_value": old.value, "old_reasoning": None, "new_reasoning": old.reasoning,
         "resolved": old.resolved, "changed_by": who, "source": "import", "changed_at": now}
        for new_id, (old, params) in zip(ids, copies, strict=True)
    ])
