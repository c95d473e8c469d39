"""Access token and CSRF protection.

Two independent guards:

- **Token.** When the app has an access token (required off loopback), every request except
  `/login`, `/static` and `/healthz` must carry it: an `Authorization: Bearer TOKEN` header, or the
  session cookie `/login` sets (an HMAC of the token, so the token itself never sits in a cookie).
- **CSRF.** Double-submit: a random token lives in a cookie and in every form; an unsafe request
  must echo it (form field `csrf_token` or header `X-CSRF-Token`). Exempt: requests with a valid
  Bearer token, and `application/json` bodies, which a cross-site page cannot send without a CORS
  preflight this app never grants.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.middleware.base import BaseHTTPMiddleware

CSRF_COOKIE = "evalign_csrf"
SESSION_COOKIE = "evalign_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PATHS = ("/login", "/static/", "/healthz")


def session_value(token: str) -> str:
    """The session cookie's value for `token` (never the token itself)."""
    return hmac.new(token.encode(), b"evalign-session", hashlib.sha256).hexdigest()


def bearer_ok(request: Request) -> bool:
    """Whether the request carries the app's token as a Bearer header."""
    token: str | None = request.app.state.token
    header = request.headers.get("authorization", "")
    if not token or not header.lower().startswith("bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), token.encode())


def authenticated(request: Request) -> bool:
    """Whether the request may see the app (always, when no token is configured)."""
    token: str | None = request.app.state.token
    if not token or bearer_ok(request):
        return True
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return hmac.compare_digest(cookie.encode(), session_value(token).encode())


class SecurityMiddleware(BaseHTTPMiddleware):
    """Enforce the access token and hand every request a CSRF token (cookie + request.state)."""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if not path.startswith(OPEN_PATHS) and not authenticated(request):
            if path.startswith("/api"):
                return JSONResponse(
                    {"error": "missing or wrong access token: send 'Authorization: Bearer "
                              "$EVALIGN_TOKEN'", "kind": "Unauthorized"},
                    status_code=401, headers={"WWW-Authenticate": "Bearer"})
            return RedirectResponse(f"/login?next={path}", status_code=303)
        existing = request.cookies.get(CSRF_COOKIE)
        request.state.csrf = existing or secrets.token_urlsafe(32)
        response = await call_next(request)
        if not existing:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
        return response


async def csrf_protect(request: Request) -> None:
    """Router dependency: refuse an unsafe request that does not echo the CSRF cookie."""
    if request.method in SAFE_METHODS or bearer_ok(request):
        return
    if request.headers.get("content-type", "").startswith("application/json"):
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise HTTPException(403, "CSRF token missing or wrong: reload the page and try again")
