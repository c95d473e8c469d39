"""Dataset list, detail and upload pages, and their JSON twins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from evalign.web.deps import PageNo, StoreDep
from evalign.web.services.datasets import (
    DatasetDetail,
    DatasetSummary,
    ItemFilters,
    dataset_detail,
    list_datasets,
)
from evalign.web.templating import render

router = APIRouter()
Filters = Annotated[ItemFilters, Depends()]
PerPage = Annotated[int, Query(ge=1, le=500)]


@router.get("/datasets", include_in_schema=False)
def datasets_page(request: Request, store: StoreDep) -> HTMLResponse:
    """Every dataset."""
    return render(request, "datasets.html", title="Datasets", datasets=list_datasets(store))


@router.get("/api/datasets", tags=["datasets"])
def datasets_api(store: StoreDep) -> list[DatasetSummary]:
    """Every dataset with row and labeled counts."""
    return list_datasets(store)


@router.get("/datasets/{name}", include_in_schema=False)
def dataset_page(request: Request, store: StoreDep, name: str, filters: Filters,
                 page: PageNo = 1, imported: int | None = None,
                 warning: Annotated[list[str] | None, Query()] = None) -> HTMLResponse:
    """One page of a dataset's items (after an upload: its summary and warnings)."""
    view = dataset_detail(store, name, filters, page)
    return render(request, "dataset.html", title=name, view=view, imported=imported,
                  warnings=warning or [])


@router.get("/api/datasets/{name}", tags=["datasets"])
def dataset_api(store: StoreDep, name: str, filters: Filters, page: PageNo = 1,
                per_page: PerPage = 50) -> DatasetDetail:
    """One page of a dataset's items, filtered on the server."""
    return dataset_detail(store, name, filters, page, per_page)
