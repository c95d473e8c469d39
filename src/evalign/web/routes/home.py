"""Home, sign-in and sign-out, and health."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evalign.web.deps import ANNOTATOR_COOKIE, StoreDep
from evalign.web.security import SESSION_COOKIE, client_of, too_many_message
from evalign.web.services.overview import Overview, overview
from evalign.web.sessions import Sessions
from evalign.web.templating import render
from evalign.web.throttle import SignInThrottle, retry_after

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
    """Check the token (throttled per client) and start a session."""
    expected: str | None = request.app.state.token
    sessions: Sessions | None = request.app.state.sessions
    if not expected or sessions is None:
        return RedirectResponse(_local(next), status_code=303)  # nothing to sign in to
    throttle: SignInThrottle = request.app.state.throttle
    client = client_of(request)
    wait = throttle.wait_s(client)
    if wait <= 0 and hmac.compare_digest(token.encode(), expected.encode()):
        throttle.succeeded(client)
        response = RedirectResponse(_local(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, sessions.issue(), max_age=int(sessions.ttl_s),
                            httponly=True, samesite="strict")
        return response
    if wait <= 0:
        wait = throttle.failed(client)
    page = render(request, "login.html", status_code=429 if wait > 0 else 401, title="Sign in",
                  next=_local(next), failed=True,
                  locked=too_many_message(client, wait) if wait > 0 else None)
    if wait > 0:
        page.headers["Retry-After"] = retry_after(wait)
    return page


@router.get("/logout", include_in_schema=False)
def logout_page(request: Request) -> HTMLResponse:
    """Offer to sign out (signing out itself is a POST, so no other site can do it)."""
    return render(request, "logout.html", title="Sign out",
                  signed_in=SESSION_COOKIE in request.cookies)


@router.post("/logout", include_in_schema=False)
def logout(request: Request) -> Response:
    """End this browser's session, here and on the server."""
    sessions: Sessions | None = request.app.state.sessions
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if sessions and cookie:
        sessions.revoke(cookie)
    response = RedirectResponse("/login" if sessions else "/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")
    return response


@router.post("/annotator", include_in_schema=False)
def set_annotator(name: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    """Remember who is annotating in this browser."""
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(ANNOTATOR_COOKIE, name.strip()[:200], samesite="strict")
    return response


def _local(path: str) -> str:
    """Only same-site redirect targets (no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"
