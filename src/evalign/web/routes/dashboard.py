"""The Eval Alignment dashboard page and its JSON twin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from evalign.comparisons import DEFAULT_POLICY, Policy
from evalign.web.deps import StoreDep
from evalign.web.services.dashboard import Dashboard, dashboard
from evalign.web.templating import render

router = APIRouter()
Metrics = Annotated[list[str] | None, Query()]


@router.get("/alignment", include_in_schema=False)
def dashboard_page(request: Request, store: StoreDep, dataset: str | None = None,
                   criterion: str | None = None, metric: Metrics = None,
                   view: str = "aggregate", policy: Policy = DEFAULT_POLICY) -> HTMLResponse:
    """Judges against humans, per criterion."""
    data = dashboard(store, dataset, criterion, metric, policy)
    return render(request, "alignment.html", title="Eval Alignment", view=data,
                  chart_view="metric" if view == "metric" else "aggregate",
                  selected=metric or [])


@router.get("/api/alignment", tags=["alignment"])
def dashboard_api(store: StoreDep, dataset: str | None = None, criterion: str | None = None,
                  metric: Metrics = None, policy: Policy = DEFAULT_POLICY) -> Dashboard:
    """Judges against humans, per criterion: cards, per-metric agreement and confusion (or,
    on a pairwise scale, preferences), under `policy` (consensus, the default, or per_label)."""
    return dashboard(store, dataset, criterion, metric, policy)
