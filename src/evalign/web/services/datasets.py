"""Dataset list and dataset detail (items paginated and filtered in the database).

The store (`store.repo_dataset_pages`) reads them; this maps its records to pages.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from evalign.store import Store
from evalign.store.page_records import DatasetRow
from evalign.store.repo_dataset_pages import ItemFilter, dataset_rows, item_page
from evalign.web.services.criteria import criterion_view
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
    """Who gave own labels (an adjudication is a decision, counted in `resolved`)."""
    filters: ItemFilters
    page: Page
    items: list[ItemView]
    resolved: dict[str, int] = {}
    """Per criterion with resolutions, how many items were resolved."""


def list_datasets(store: Store) -> list[DatasetSummary]:
    """Every dataset (its current version) with its row and labeled-row counts, newest first."""
    with store.session() as s:
        return [_summary(d) for d in dataset_rows(s)]


def _summary(d: DatasetRow) -> DatasetSummary:
    return DatasetSummary(name=d.name, description=d.description, kind=d.kind, rows=d.rows,
                          labeled=d.labeled, created_at=d.created_at, version=d.version)


def dataset_detail(store: Store, name: str, filters: ItemFilters, page: int = 1,
                   per_page: int = PER_PAGE) -> DatasetDetail:
    """One page of a dataset's items matching `filters`, with their labels."""
    where = ItemFilter(q=filters.q, labeled=filters.labeled, criterion=filters.criterion,
                       label=filters.label)
    with store.session() as s:
        found = item_page(s, name, where, page, per_page)
    return DatasetDetail(
        dataset=_summary(found.dataset),
        criteria=[criterion_view(c) for c in found.criteria],
        annotators=found.annotators, filters=filters,
        page=Page(page=found.page, per_page=per_page, total=found.total),
        items=[ItemView.of(item, [LabelView.of(lb, lb.criterion) for lb in labels])
               for item, labels in found.items],
        resolved=found.resolved)
