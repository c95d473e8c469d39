"""The annotation queue: each annotator's next item, labels, skips, progress.

An annotator's queue is the current version's items in order, minus the items they labeled;
items they skipped come back after the unseen ones. Every label records its annotator's name
(the caller passes the name of the session, never one a form chose), each change lands in the
label history, and a label for an item of a superseded version (a page opened before
`import --replace`) is refused with a 409 that says what to do. A write that finds the store
locked (an import holds SQLite's lock) retries until `WRITE_DEADLINE_S`, then becomes a 503.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from evalign.data.records import DEFAULT_CRITERION
from evalign.errors import ConfigError, NotFoundError
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_criteria import scale_of
from evalign.store.repo_items import get_dataset
from evalign.store.repo_labels import record_label
from evalign.store.repo_versions import superseded_error, writable_item
from evalign.web.services.criteria import (
    criterion_view,
    dataset_criteria,
    ensure_criterion,
)
from evalign.web.services.records import CriterionView, ItemView, LabelView

WRITE_DEADLINE_S = 10.0
"""How long a label or skip keeps retrying a locked store before the request gets a 503."""


class AnnotatorProgress(BaseModel):
    """How many items one annotator labeled."""

    annotator: str
    labeled: int


class QueueView(BaseModel):
    """What an annotator sees: progress and the item to label next (None when done)."""

    dataset: str
    criterion: CriterionView
    criteria: list[str]
    annotator: str
    total: int
    labeled: int
    skipped: int
    item: ItemView | None
    item_skipped: bool = False
    previous_id: int | None = None
    """The item this annotator labeled last (to revisit it)."""
    annotators: list[AnnotatorProgress]


def queue_state(store: Store, dataset: str, criterion: str | None, annotator: str,
                item_id: int | None = None, scale: str | None = None) -> QueueView:
    """The queue of `annotator` on `dataset` and `criterion` (default: its first, or "default").

    Args:
        item_id: show this item instead of the next one (to revisit a label).
        scale: the scale of a criterion that does not exist yet (default pass_fail).

    Raises:
        NotFoundError: no such dataset, or `item_id` is not one of its items.
        ConflictError: `item_id` belongs to a superseded version of the dataset (409).
    """
    with store.session() as s:
        ds = get_dataset(s, dataset)
        names = [c.name for c in dataset_criteria(s, ds)] or [DEFAULT_CRITERION]
        crit = ensure_criterion(s, criterion or names[0], scale)
        if crit.name not in names:
            names.append(crit.name)
        total = s.scalar(select(func.count()).where(m.Item.dataset_id == ds.id)) or 0
        mine = _labeled_ids(ds.id, crit.id, annotator)
        labeled = s.scalar(select(func.count()).select_from(mine.subquery())) or 0
        skipped_ids = _skipped_ids(ds.id, crit.id, annotator)
        skipped = s.scalar(select(func.count()).select_from(skipped_ids.subquery())) or 0
        row = (_item_in(s, ds, item_id) if item_id is not None
               else _next_item(s, ds.id, crit.id, annotator) if annotator else None)
        item = ItemView.of(row, _labels(s, row.id, crit)) if row is not None else None
        return QueueView(
            dataset=ds.name, criterion=criterion_view(crit), criteria=sorted(names),
            annotator=annotator, total=total, labeled=labeled, skipped=skipped, item=item,
            item_skipped=row is not None and row.id in set(s.scalars(skipped_ids)),
            previous_id=_last_labeled(s, ds.id, crit.id, annotator, row.id if row else None),
            annotators=_progress(s, ds.id, crit.id))


def _last_labeled(s: Session, dataset_id: int, criterion_id: int, annotator: str,
                  shown: int | None) -> int | None:
    query = (select(m.Label.item_id).join(m.Item, m.Item.id == m.Label.item_id)
             .where(m.Item.dataset_id == dataset_id, m.Label.criterion_id == criterion_id,
                    m.Label.annotator == annotator))
    if shown is not None:
        query = query.where(m.Label.item_id != shown)
    return s.scalar(query.order_by(m.Label.created_at.desc(), m.Label.id.desc()).limit(1))


def _labeled_ids(dataset_id: int, criterion_id: int, annotator: str) -> Any:
    return (select(m.Label.item_id).join(m.Item, m.Item.id == m.Label.item_id)
            .where(m.Item.dataset_id == dataset_id, m.Label.criterion_id == criterion_id,
                   m.Label.annotator == annotator))


def _skipped_ids(dataset_id: int, criterion_id: int, annotator: str) -> Any:
    return (select(m.QueueSkip.item_id).join(m.Item, m.Item.id == m.QueueSkip.item_id)
            .where(m.Item.dataset_id == dataset_id, m.QueueSkip.criterion_id == criterion_id,
                   m.QueueSkip.annotator == annotator))


def _next_item(s: Session, dataset_id: int, criterion_id: int, annotator: str) -> m.Item | None:
    labeled = _labeled_ids(dataset_id, criterion_id, annotator)
    todo = select(m.Item).where(m.Item.dataset_id == dataset_id, m.Item.id.not_in(labeled))
    skipped = _skipped_ids(dataset_id, criterion_id, annotator)
    unseen = s.scalar(todo.where(m.Item.id.not_in(skipped)).order_by(m.Item.position).limit(1))
    if unseen is not None:
        return unseen
    return s.scalar(todo.join(m.QueueSkip, m.QueueSkip.item_id == m.Item.id)
                    .where(m.QueueSkip.criterion_id == criterion_id,
                           m.QueueSkip.annotator == annotator)
                    .order_by(m.QueueSkip.created_at, m.Item.position).limit(1))


def _item_in(s: Session, dataset: m.Dataset, item_id: int) -> m.Item:
    """The item to show, which must belong to the current version of `dataset`.

    Raises:
        ConflictError: the item belongs to a superseded version (a link kept from before
            `import --replace`): 409 naming the current version and its copy of the item.
        NotFoundError: no such item in any version of the dataset.
    """
    row = s.get(m.Item, item_id)
    if row is not None and row.dataset_id != dataset.id:
        owner = s.get(m.Dataset, row.dataset_id)
        if owner is not None and owner.name == dataset.name and owner.superseded_at is not None:
            raise superseded_error(
                s, row, owner, then="The queue labels only current items: open it without "
                "`item=` (or with the item named here) to go on labelling.")
    if row is None or row.dataset_id != dataset.id:
        raise NotFoundError(f"item {item_id} is not in this dataset")
    return row


def _labels(s: Session, item_id: int, crit: m.Criterion) -> list[LabelView]:
    rows = s.scalars(select(m.Label).where(m.Label.item_id == item_id,
                                           m.Label.criterion_id == crit.id).order_by(m.Label.id))
    return [LabelView.of(r, crit.name) for r in rows]


def _progress(s: Session, dataset_id: int, criterion_id: int) -> list[AnnotatorProgress]:
    rows = s.execute(select(m.Label.annotator, func.count())
                     .join(m.Item, m.Item.id == m.Label.item_id)
                     .where(m.Item.dataset_id == dataset_id, m.Label.criterion_id == criterion_id,
                            m.Label.resolved.is_(False))
                     .group_by(m.Label.annotator).order_by(m.Label.annotator))
    return [AnnotatorProgress(annotator=a, labeled=n) for a, n in rows]


def save_label(store: Store, dataset: str, criterion: str, annotator: str, item_id: int,
               value: Any, reasoning: str = "", *, resolved: bool = False) -> LabelView:
    """Record (or change) `annotator`'s label on one item; the item leaves their skipped list.

    Args:
        annotator: the session's annotator (who labels, and who made the change).

    Raises:
        ConfigError: no annotator name, or the value is outside the criterion's scale.
        NotFoundError: the dataset, criterion or item does not exist.
        ConflictError: the item belongs to a superseded dataset version (409: reload).
        StoreBusy: the store stayed locked past `WRITE_DEADLINE_S` (503: try again).
    """
    annotator = annotator.strip()
    if not annotator:
        raise ConfigError("an annotator name is required: every label records who gave it")

    def write(s: Session) -> LabelView:
        get_dataset(s, dataset)
        crit = ensure_criterion(s, criterion)
        try:
            scale_of(crit).parse_value(value)
        except ValueError as exc:
            raise ConfigError(f"label for item {item_id} on {crit.name!r}: {exc}") from None
        saved = record_label(s, item_id, crit.name, value, annotator=annotator, source="web",
                             reasoning=reasoning.strip(), resolved=resolved, dataset=dataset)
        _unskip(s, item_id, crit.id, annotator)
        row = s.get_one(m.Label, saved.id)
        return LabelView.of(row, crit.name)

    return store.write(write, what="the label", deadline_s=WRITE_DEADLINE_S)


def skip_item(store: Store, dataset: str, criterion: str, annotator: str, item_id: int) -> None:
    """Put an item at the back of `annotator`'s queue.

    Raises:
        ConflictError: the item belongs to a superseded dataset version.
        StoreBusy: the store stayed locked past `WRITE_DEADLINE_S`.
    """
    if not annotator.strip():
        raise ConfigError("an annotator name is required to skip items")

    def write(s: Session) -> None:
        get_dataset(s, dataset)
        crit = ensure_criterion(s, criterion)
        writable_item(s, item_id, dataset)
        # A fresh skip row moves the item behind every earlier skip (ordered by created_at).
        _unskip(s, item_id, crit.id, annotator)
        s.add(m.QueueSkip(item_id=item_id, criterion_id=crit.id, annotator=annotator))

    store.write(write, what="the skip", deadline_s=WRITE_DEADLINE_S)


def _unskip(s: Session, item_id: int, criterion_id: int, annotator: str) -> None:
    s.execute(delete(m.QueueSkip).where(m.QueueSkip.item_id == item_id,
                                        m.QueueSkip.criterion_id == criterion_id,
                                        m.QueueSkip.annotator == annotator))
