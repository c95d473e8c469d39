"""Home, login and health."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evalign.web.deps import ANNOTATOR_COOKIE, StoreDep
from evalign.web.security import SESSION_COOKIE, session_value
from evalign.web.services.overview import Overview, overview
from evalign.web.templating import render

router = APIRouter()


@router.get("/", include_in_schema=False)
def home_page(request: Request, store: StoreDep) -> HTMLResponse:
    """Datasets, judges and the latest runs."""
    return render(request, "home.html", title="Overview", view=overview(store))


@router.get("/api/overview", tags=["home"])
def home_api(store: StoreDep) -> Overview:
    """Datasets, judges and the latest runs."""
    return overview(store)


@router.get("/healthz", tags=["home"])
def health() -> dict[str, str]:
    """Liveness probe."""
    return {"status": "ok"}


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    """Ask for the access token."""
    return render(request, "login.html", title="Sign in", next=_local(next), failed=False)


@router.post("/login", include_in_schema=False)
def login(request: Request, token: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/") -> Response:
    """Check the token and set the session cookie."""
    expected: str | None = request.app.state.token
    if expected and hmac.compare_digest(token.encode(), expected.encode()):
        response = RedirectResponse(_local(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, session_value(expected), httponly=True,
                            samesite="strict")
        return response
    return render(request, "login.html", status_code=401, title="Sign in", next=_local(next),
                  failed=True)


@router.post("/annotator", include_in_schema=False)
def set_annotator(name: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    """Remember who is annotating in this browser."""
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(ANNOTATOR_COOKIE, name.strip()[:200], samesite="strict")
    return response


def _local(path: str) -> str:
    """Only same-site redirect targets (no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"
