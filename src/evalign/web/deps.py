"""Request dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from evalign.store import Store

ANNOTATOR_COOKIE = "evalign_annotator"


def get_store(request: Request) -> Store:
    """The store the app serves."""
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]
PageNo = Annotated[int, Query(ge=1)]
"""A 1-based page number in a query string."""


def annotator_of(request: Request) -> str:
    """The annotator name the browser chose (cookie), or empty."""
    return request.cookies.get(ANNOTATOR_COOKIE, "").strip()[:200]


def wake_worker(request: Request) -> None:
    """Tell the background worker new work is queued (no-op without one)."""
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()
