"""Adjudication in the store: every item's labels on one criterion, and resolving an item.

A resolution is a label with `resolved` set, stored under its own annotator name, so the
adjudicator's own label stays; `resolve_label` replaces an earlier resolution and keeps it in
the label history.

All functions take an open `Session`; the caller decides the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import ConfigError
from evalign.store import models as m
from evalign.store.page_records import (
    CriterionRecord,
    ItemRecord,
    dataset_criterion,
    item_record,
    label_as_stored,
    stored_label,
)
from evalign.store.repo_items import get_dataset
from evalign.store.repo_labels import LabelRecord, resolve_label
from evalign.store.repo_versions import writable_item


@dataclass(frozen=True)
class LabeledItems:
    """The items of a dataset that have labels on one criterion, in position order.

    Attributes:
        items: each item with all its labels on the criterion (resolutions included), by
            label id.
    """

    dataset: str
    criterion: CriterionRecord
    items: list[tuple[ItemRecord, list[LabelRecord]]]


def labeled_items(session: Session, dataset: str, criterion: str | None) -> LabeledItems:
    """Every labeled item of `dataset` on `criterion` (None: its only one), with its labels.

    Raises:
        NotFoundError: no such dataset, or it has no such criterion.
        CriterionChoiceError: no criterion named and the dataset has several.
    """
    ds = get_dataset(session, dataset)
    crit = dataset_criterion(session, ds, criterion)
    rows = session.execute(
        sa.select(m.Label, m.Item).join(m.Item, m.Item.id == m.Label.item_id)
        .where(m.Item.dataset_id == ds.id, m.Label.criterion_id == crit.id)
        .order_by(m.Item.position, m.Label.id))
    grouped: dict[int, tuple[ItemRecord, list[LabelRecord]]] = {}
    for label, item in rows:
        entry = grouped.setdefault(item.id, (item_record(item), []))
        entry[1].append(label_as_stored(label, crit.name))
    return LabeledItems(dataset=ds.name, criterion=crit, items=list(grouped.values()))


def resolve_item(session: Session, dataset: str, criterion: str | None, item_id: int,
                 value: Any, *, adjudicator: str, as_annotator: str, reasoning: str = ""
                 ) -> LabelRecord:
    """Record the resolved label of an item made in the web, replacing an earlier resolution.

    Returns:
        The resolution as stored (times as the database returns them).

    Raises:
        ConfigError: the value is outside the criterion's scale.
        CriterionChoiceError: no criterion named and the dataset has several.
        NotFoundError: the dataset, item or the dataset's criterion does not exist.
        ConflictError: the item belongs to a superseded dataset version.
    """
    ds = get_dataset(session, dataset)
    writable_item(session, item_id, dataset)  # a superseded item says so (409) first
    crit = dataset_criterion(session, ds, criterion)
    try:
        crit.scale.parse_value(value)
    except ValueError as exc:
        raise ConfigError(f"resolved label for item {item_id}: {exc}") from None
    saved = resolve_label(session, item_id, crit.name, value, adjudicator=adjudicator,
                          as_annotator=as_annotator, reasoning=reasoning, dataset=dataset)
    return stored_label(session, saved.id, crit.name)
