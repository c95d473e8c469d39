"""The annotation queue in the store: what an annotator sees next, their labels and skips.

An annotator's queue is the current version's items in position order, minus the items they
labeled; items they skipped come back after the unseen ones, oldest skip first. Labels go
through `record_label` (history, honest times, superseded items refused).

All functions take an open `Session`; the caller decides the transaction (the web retries a
locked store with `Store.write`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.data.records import DEFAULT_CRITERION
from evalign.errors import ConfigError, NotFoundError
from evalign.store import models as m
from evalign.store.page_records import (
    CriterionRecord,
    ItemRecord,
    criteria_of_dataset,
    dataset_criterion,
    item_record,
    label_as_stored,
    queue_criterion,
    stored_label,
)
from evalign.store.repo_items import get_dataset
from evalign.store.repo_labels import LabelRecord, record_label
from evalign.store.repo_versions import superseded_error, writable_item


@dataclass(frozen=True)
class QueueSnapshot:
    """One annotator's queue on one criterion of a dataset.

    Attributes:
        criteria: every criterion the dataset uses (with this one), sorted.
        total / labeled / skipped: the dataset's items, and how many this annotator labeled
            or skipped.
        item: the item to show (None when the queue is done), with its labels on this
            criterion (`item_labels`, by label id) and whether the annotator skipped it.
        previous_id: the item this annotator labeled last, other than the one shown.
        progress: (annotator, labels given) on this criterion, adjudications left out, by name.
    """

    dataset: str
    criterion: CriterionRecord
    criteria: list[str]
    total: int
    labeled: int
    skipped: int
    item: ItemRecord | None
    item_labels: list[LabelRecord]
    item_skipped: bool
    previous_id: int | None
    progress: list[tuple[str, int]]


def queue_snapshot(session: Session, dataset: str, criterion: str | None, annotator: str,
                   item_id: int | None = None, scale: str | None = None) -> QueueSnapshot:
    """The queue of `annotator` on `dataset` and `criterion` (default: its first, or "default").

    A criterion the dataset does not have yet becomes one of its criteria (created with
    `scale`, default pass_fail, when it does not exist): the queue is where criteria are added.

    Args:
        item_id: show this item instead of the next one (to revisit a label).
        annotator: "" shows no next item (only progress), unless `item_id` is given.

    Raises:
        NotFoundError: no such dataset, or `item_id` is not one of its items.
        ConflictError: `item_id` belongs to a superseded version of the dataset (409).
    """
    ds = get_dataset(session, dataset)
    names = [c.name for c in criteria_of_dataset(session, ds.id)] or [DEFAULT_CRITERION]
    crit = queue_criterion(session, ds, criterion or names[0], scale)
    if crit.name not in names:
        names.append(crit.name)
    total = session.scalar(sa.select(sa.func.count()).where(m.Item.dataset_id == ds.id)) or 0
    mine = _labeled_ids(ds.id, crit.id, annotator)
    labeled = session.scalar(sa.select(sa.func.count()).select_from(mine.subquery())) or 0
    skipped_ids = _skipped_ids(ds.id, crit.id, annotator)
    skipped = session.scalar(sa.select(sa.func.count()).select_from(skipped_ids.subquery())) or 0
    row = (_item_in(session, ds, item_id) if item_id is not None
           else _next_item(session, ds.id, crit.id, annotator) if annotator else None)
    return QueueSnapshot(
        dataset=ds.name, criterion=crit, criteria=sorted(names), total=total, labeled=labeled,
        skipped=skipped, item=item_record(row) if row is not None else None,
        item_labels=_labels(session, row.id, crit) if row is not None else [],
        item_skipped=row is not None and row.id in set(session.scalars(skipped_ids)),
        previous_id=_last_labeled(session, ds.id, crit.id, annotator,
                                  row.id if row is not None else None),
        progress=_progress(session, ds.id, crit.id))


def label_in_queue(session: Session, dataset: str, criterion: str | None, annotator: str,
                   item_id: int, value: Any, reasoning: str = "", *, resolved: bool = False
                   ) -> LabelRecord:
    """Record (or change) `annotator`'s label made in the web; the item leaves their skips.

    Args:
        criterion: one of the dataset's criteria; None: its only one.

    Returns:
        The label as stored (times as the database returns them).

    Raises:
        ConfigError: the value is outside the criterion's scale.
        CriterionChoiceError: no criterion named and the dataset has several.
        NotFoundError: the dataset, item or the dataset's criterion does not exist.
        ConflictError: the item belongs to a superseded dataset version (409: reload).
    """
    ds = get_dataset(session, dataset)
    writable_item(session, item_id, dataset)  # a superseded item says so (409) first
    crit = dataset_criterion(session, ds, criterion)
    try:
        crit.scale.parse_value(value)
    except ValueError as exc:
        raise ConfigError(f"label for item {item_id} on {crit.name!r}: {exc}") from None
    saved = record_label(session, item_id, crit.name, value, annotator=annotator, source="web",
                         reasoning=reasoning, resolved=resolved, dataset=dataset)
    _unskip(session, item_id, crit.id, annotator)
    return stored_label(session, saved.id, crit.name)


def skip_in_queue(session: Session, dataset: str, criterion: str | None, annotator: str,
                  item_id: int) -> None:
    """Put an item at the back of `annotator`'s queue (`criterion`: as `label_in_queue`).

    Raises:
        CriterionChoiceError: no criterion named and the dataset has several.
        NotFoundError: the dataset, item or the dataset's criterion does not exist.
        ConflictError: the item belongs to a superseded dataset version.
    """
    ds = get_dataset(session, dataset)
    writable_item(session, item_id, dataset)
    crit = dataset_criterion(session, ds, criterion)
    # A fresh skip row moves the item behind every earlier skip (ordered by created_at).
    _unskip(session, item_id, crit.id, annotator)
    session.add(m.QueueSkip(item_id=item_id, criterion_id=crit.id, annotator=annotator))


def _last_labeled(s: Session, dataset_id: int, criterion_id: int, annotator: str,
                  shown: int | None) -> int | None:
    query = _labeled_ids(dataset_id, criterion_id, annotator)
    if shown is not None:
        query = query.where(m.Label.item_id != shown)
    return s.scalar(query.order_by(m.Label.created_at.desc(), m.Label.id.desc()).limit(1))


def _labeled_ids(dataset_id: int, criterion_id: int, annotator: str) -> sa.Select[int]:
    return (sa.select(m.Label.item_id).join(m.Item, m.Item.id == m.Label.item_id)
            .where(m.Item.dataset_id == dataset_id, m.Label.criterion_id == criterion_id,
                   m.Label.annotator == annotator))


def _skipped_ids(dataset_id: int, criterion_id: int, annotator: str) -> sa.Select[int]:
    return (sa.select(m.QueueSkip.item_id).join(m.Item, m.Item.id == m.QueueSkip.item_id)
            .where(m.Item.dataset_id == dataset_id, m.QueueSkip.criterion_id == criterion_id,
                   m.QueueSkip.annotator == annotator))


def _next_item(s: Session, dataset_id: int, criterion_id: int, annotator: str) -> m.Item | None:
    labeled = _labeled_ids(dataset_id, criterion_id, annotator)
    todo = sa.select(m.Item).where(m.Item.dataset_id == dataset_id, m.Item.id.not_in(labeled))
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


def _labels(s: Session, item_id: int, crit: CriterionRecord) -> list[LabelRecord]:
    rows = s.scalars(sa.select(m.Label).where(m.Label.item_id == item_id,
                                              m.Label.criterion_id == crit.id)
                     .order_by(m.Label.id))
    return [label_as_stored(r, crit.name) for r in rows]


def _progress(s: Session, dataset_id: int, criterion_id: int) -> list[tuple[str, int]]:
    rows = s.execute(sa.select(m.Label.annotator, sa.func.count())
                     .join(m.Item, m.Item.id == m.Label.item_id)
                     .where(m.Item.dataset_id == dataset_id, m.Label.criterion_id == criterion_id,
                            m.Label.resolved.is_(False))
                     .group_by(m.Label.annotator).order_by(m.Label.annotator))
    return [(a, n) for a, n in rows]


def _unskip(s: Session, item_id: int, criterion_id: int, annotator: str) -> None:
    s.execute(sa.delete(m.QueueSkip).where(m.QueueSkip.item_id == item_id,
                                           m.QueueSkip.criterion_id == criterion_id,
                                           m.QueueSkip.annotator == annotator))
