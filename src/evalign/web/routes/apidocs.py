"""`/api/docs`: the interactive API reference, served whole by the app (no CDN).

Swagger UI's script and style come from the `fastapi-offline` package (mounted at
`/static/apidocs/`); the page starts it from `/static/apidocs-init.js` rather than an inline
script, so the app's Content-Security-Policy (`script-src 'self'`) holds on this page too.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evalign.web.templating import render

ASSETS = Path(str(files("fastapi_offline") / "static"))
"""Swagger UI's files as the `fastapi-offline` package ships them."""

router = APIRouter()


@router.get("/api/docs", include_in_schema=False)
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI over `/api/openapi.json`."""
    return render(request, "apidocs.html", title="evalign API")
