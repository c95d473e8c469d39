"""Dataset list and dataset detail (items paginated and filtered in the database)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_items import get_dataset
from evalign.web.services.criteria import criterion_view, dataset_criteria
from evalign.web.services.records import CriterionView, ItemView, LabelView, Page

PER_PAGE = 50


class DatasetSummary(BaseModel):
    """One row of the dataset list."""

    name: str
    description: str = ""
    kind: str
    rows: int
    labeled: int
    created_at: datetime | None = None
    version: int = 1
    """Which version of the name this is (`import --replace` adds one; old ones stay readable)."""


class ItemFilters(BaseModel):
    """Server-side filters of a dataset's items."""

    q: str = ""
    labeled: str = ""  # "" | "yes" | "no"
    criterion: str = ""
    label: str = ""


class DatasetDetail(BaseModel):
    """A dataset with one page of its items."""

    dataset: DatasetSummary
    criteria: list[CriterionView]
    annotators: list[str]
    filters: ItemFilters
    page: Page
    items: list[ItemView]


def list_datasets(store: Store) -> list[DatasetSummary]:
    """Every dataset (its current version) with its row and labeled-row counts, newest first."""
    with store.session() as s:
        rows = dict(s.execute(select(m.Item.dataset_id, func.count())
                              .group_by(m.Item.dataset_id)).all())
        labeled = dict(s.execute(
            select(m.Item.dataset_id, func.count(func.distinct(m.Label.item_id)))
            .join(m.Label, m.Label.item_id == m.Item.id).group_by(m.Item.dataset_id)
        ).all())
        datasets = s.scalars(select(m.Dataset).where(m.Dataset.superseded_at.is_(None))
                             .order_by(m.Dataset.created_at.desc(), m.Dataset.id.desc()))
        return [_summary(d, rows.get(d.id, 0), labeled.get(d.id, 0)) for d in datasets]


def _summary(d: m.Dataset, rows: int, labeled: int) -> DatasetSummary:
    return DatasetSummary(name=d.name, description=d.description, kind=d.kind, rows=rows,
                          labeled=labeled, created_at=d.created_at, version=d.version)


def dataset_detail(store: Store, name: str, filters: ItemFilters, page: int = 1,
                   per_page: int = PER_PAGE) -> DatasetDetail:
    """One page of a dataset's items matching `filters`, with their labels."""
    with store.session() as s:
        ds = get_dataset(s, name)
        query = _filtered(s, ds, filters)
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        page = max(1, min(page, max(1, -(-total // per_page))))
        rows = list(s.scalars(query.order_by(m.Item.position)
                              .offset((page - 1) * per_page).limit(per_page)))
        labels = _labels_of(s, [r.id for r in rows])
        all_rows = s.scalar(select(func.count()).where(m.Item.dataset_id == ds.id)) or 0
        labeled = s.scalar(select(func.count(func.distinct(m.Label.item_id)))
                           .join(m.Item, m.Item.id == m.Label.item_id)
                           .where(m.Item.dataset_id == ds.id)) or 0
        annotators = s.scalars(select(m.Label.annotator).join(m.Item, m.Item.id == m.Label.item_id)
                               .where(m.Item.dataset_id == ds.id).distinct()
                               .order_by(m.Label.annotator))
        return DatasetDetail(
            dataset=_summary(ds, all_rows, labeled),
            criteria=[criterion_view(c) for c in dataset_criteria(s, ds)],
            annotators=list(annotators), filters=filters,
            page=Page(page=page, per_page=per_page, total=total),
            items=[ItemView.of(r, labels.get(r.id, [])) for r in rows])


def _filtered(s: Session, ds: m.Dataset, f: ItemFilters) -> Select[m.Item]:
    query = select(m.Item).where(m.Item.dataset_id == ds.id)
    if f.q:
        pattern = f"%{f.q}%"
        query = query.where(or_(m.Item.output.ilike(pattern), m.Item.external_id.ilike(pattern),
                                cast(m.Item.inputs, String).ilike(pattern)))
    labels = select(m.Label.item_id).join(m.Criterion, m.Criterion.id == m.Label.criterion_id)
    if f.criterion:
        labels = labels.where(m.Criterion.name == f.criterion)
    if f.label:
        forms = _json_forms(f.label)
        labels = labels.where(or_(*[cast(m.Label.value, String) == v for v in forms]))
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


def _labels_of(s: Session, item_ids: list[int]) -> dict[int, list[LabelView]]:
    out: dict[int, list[LabelView]] = {}
    if not item_ids:
        return out
    query = (select(m.Label, m.Criterion.name)
             .join(m.Criterion, m.Criterion.id == m.Label.criterion_id)
             .where(m.Label.item_id.in_(item_ids)).order_by(m.Label.id))
    for label, criterion in s.execute(query):
        out.setdefault(label.item_id, []).append(LabelView.of(label, criterion))
    return out
