"""The dataset pages in the store: the dataset list, and one page of a dataset's items.

Items are filtered and paginated in the database. Records only; all functions take an open
`Session`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.store import models as m
from evalign.store.page_records import (
    CriterionRecord,
    DatasetRow,
    ItemRecord,
    criteria_of_dataset,
    dataset_row,
    item_record,
    label_as_stored,
)
from evalign.store.repo_items import get_dataset
from evalign.store.repo_label_counts import dataset_annotators, resolved_counts
from evalign.store.repo_labels import LabelRecord


@dataclass(frozen=True)
class ItemFilter:
    """Which items a dataset page shows.

    Attributes:
        q: text found (case-insensitive) in the output, the id or the inputs; "" for any.
        labeled: "yes" (items with a label), "no" (none), "" (either).
        criterion: labels count only on this criterion ("" for any).
        label: only items with a label of this value (as typed: text or number).
    """

    q: str = ""
    labeled: str = ""
    criterion: str = ""
    label: str = ""


@dataclass(frozen=True)
class ItemPage:
    """One page of a dataset's items matching a filter.

    Attributes:
        page: the page shown (clamped to the pages there are, from 1).
        total: how many items match the filter.
        annotators: who gave the dataset's own labels (adjudications are not annotators).
        items: the page's items in position order, each with all its labels (by label id).
        resolved: per criterion with resolutions, how many items were resolved.
    """

    dataset: DatasetRow
    criteria: list[CriterionRecord]
    annotators: list[str]
    page: int
    total: int
    items: list[tuple[ItemRecord, list[LabelRecord]]]
    resolved: dict[str, int]


def dataset_rows(session: Session) -> list[DatasetRow]:
    """Every dataset (its current version) with its row and labeled-row counts, newest first."""
    rows = dict(session.execute(sa.select(m.Item.dataset_id, sa.func.count())
                                .group_by(m.Item.dataset_id)).all())
    labeled = dict(session.execute(
        sa.select(m.Item.dataset_id, sa.func.count(sa.func.distinct(m.Label.item_id)))
        .join(m.Label, m.Label.item_id == m.Item.id).group_by(m.Item.dataset_id)
    ).all())
    datasets = session.scalars(sa.select(m.Dataset).where(m.Dataset.superseded_at.is_(None))
                               .order_by(m.Dataset.created_at.desc(), m.Dataset.id.desc()))
    return [dataset_row(d, rows.get(d.id, 0), labeled.get(d.id, 0)) for d in datasets]


def item_page(session: Session, name: str, where: ItemFilter, page: int, per_page: int
              ) -> ItemPage:
    """Page `page` (from 1, clamped) of dataset `name`'s items matching `where`.

    Raises:
        NotFoundError: no such dataset.
    """
    ds = get_dataset(session, name)
    query = _filtered(ds.id, where)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    rows = list(session.scalars(query.order_by(m.Item.position)
                                .offset((page - 1) * per_page).limit(per_page)))
    labels = _labels_of(session, [r.id for r in rows])
    all_rows = session.scalar(sa.select(sa.func.count()).where(m.Item.dataset_id == ds.id)) or 0
    labeled = session.scalar(sa.select(sa.func.count(sa.func.distinct(m.Label.item_id)))
                             .join(m.Item, m.Item.id == m.Label.item_id)
                             .where(m.Item.dataset_id == ds.id)) or 0
    return ItemPage(
        dataset=dataset_row(ds, all_rows, labeled), criteria=criteria_of_dataset(session, ds.id),
        annotators=dataset_annotators(session, ds.id), page=page, total=total,
        items=[(item_record(r), labels.get(r.id, [])) for r in rows],
        resolved=resolved_counts(session, ds.id))


def _filtered(dataset_id: int, f: ItemFilter) -> sa.Select[m.Item]:
    query = sa.select(m.Item).where(m.Item.dataset_id == dataset_id)
    if f.q:
        pattern = f"%{f.q}%"
        query = query.where(sa.or_(m.Item.output.ilike(pattern),
                                   m.Item.external_id.ilike(pattern),
                                   sa.cast(m.Item.inputs, sa.String).ilike(pattern)))
    labels = sa.select(m.Label.item_id).join(m.Criterion, m.Criterion.id == m.Label.criterion_id)
    if f.criterion:
        labels = labels.where(m.Criterion.name == f.criterion)
    if f.label:
        forms = _json_forms(f.label)
        labels = labels.where(sa.or_(*[sa.cast(m.Label.value, sa.String) == v for v in forms]))
    if f.labeled == "no":
        query = query.where(m.Item.id.not_in(labels))
    elif f.labeled == "yes" or f.label:
        query = query.where(m.Item.id.in_(labels))
    return query


def _json_forms(value: str) -> list[str]:
    """How a typed-in label value may be stored as JSON text (string or number)."""
    forms = [json.dumps(value)]
    try:
        number: Any = float(value)
        forms += [json.dumps(number), json.dumps(int(number))] if number.is_integer() else [
            json.dumps(number)]
    except ValueError:
        pass
    return forms


def _labels_of(s: Session, item_ids: list[int]) -> dict[int, list[LabelRecord]]:
    out: dict[int, list[LabelRecord]] = {}
    if not item_ids:
        return out
    query = (sa.select(m.Label, m.Criterion.name)
             .join(m.Criterion, m.Criterion.id == m.Label.criterion_id)
             .where(m.Label.item_id.in_(item_ids)).order_by(m.Label.id))
    for label, criterion in s.execute(query):
        out.setdefault(label.item_id, []).append(label_as_stored(label, criterion))
    return out
