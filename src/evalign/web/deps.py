"""Request dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from evalign import modelfiles
from evalign.store import Store
from evalign.web.settings import ServerSettings

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


def settings_of(request: Request) -> ServerSettings:
    """The server's settings (limits, allowed hosts, allowed model paths)."""
    settings: ServerSettings = request.app.state.settings
    return settings


def check_models(request: Request, *models: str | None) -> None:
    """Refuse `local/PATH` models outside the model cache and the operator's allowed paths.

    Raises:
        ConfigError: a `local/` path the server does not allow (the message says how to allow it).
    """
    allowed = settings_of(request).model_paths
    for model in models:
        name = (model or "").strip()
        if name.startswith("local/"):
            modelfiles.check_allowed(name.removeprefix("local/"), allowed)
