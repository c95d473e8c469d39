"""Access token, sign-in sessions and cross-site request protection.

Two independent guards:

- **Token.** When the app has an access token (required off loopback, at least 16 characters),
  every request except `/login`, `/logout`, `/static` and `/healthz` must carry it: an
  `Authorization: Bearer TOKEN` header, or the session cookie `/login` sets (signed, with its
  issue time; see `sessions`). Wrong Bearer tokens count against the client's sign-in throttle
  like wrong sign-ins (see `throttle`).
- **Cross-site requests.** A state-changing request (POST, PUT, PATCH, DELETE) must prove it
  comes from this app, not from a page of another site:
  - under `/api`: the header `X-Evalign-Request: 1` (any value) or a valid Bearer token. A
    browser sends neither cross-site without a CORS preflight, which this app never grants.
  - everywhere else (the forms): double-submit, a random token in a cookie and in every form,
    echoed as form field `csrf_token` or header `X-CSRF-Token`.
  Neither guard helps against DNS rebinding, where the attacker's page is same-origin: the Host
  check in `guards` does.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request
from starlette.datastructures import MutableHeaders
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from evalign.web.replies import send_reply
from evalign.web.sessions import Sessions
from evalign.web.throttle import SignInThrottle, retry_after

CSRF_COOKIE = "evalign_csrf"
SESSION_COOKIE = "evalign_session"
API_HEADER = "X-Evalign-Request"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PATHS = ("/login", "/logout", "/static/", "/healthz")


def client_of(request: Request) -> str:
    """The client's address (what the sign-in throttle counts by)."""
    return request.client.host if request.client else "unknown"


def bearer_of(request: Request) -> str | None:
    """The Bearer token the request carries, or None."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def bearer_ok(request: Request) -> bool:
    """Whether the request carries the app's token as a Bearer header."""
    token: str | None = request.app.state.token
    sent = bearer_of(request)
    if not token or sent is None:
        return False
    return hmac.compare_digest(sent.encode(), token.encode())


def session_ok(request: Request) -> bool:
    """Whether the request carries a valid, unexpired sign-in session."""
    sessions: Sessions | None = request.app.state.sessions
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return bool(sessions and cookie and sessions.valid(cookie))


def set_cookie_header(name: str, value: str, **options: object) -> str:
    """A `Set-Cookie` header value, as `Response.set_cookie` would write it."""
    response = Response()
    response.set_cookie(name, value, **options)  # type: ignore[arg-type]
    return response.headers["set-cookie"]


class AccessMiddleware:
    """Enforce the access token and hand every request a CSRF token (cookie + request.state)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        refused = await self._refusal(request, scope, receive, send)
        if refused:
            return
        existing = request.cookies.get(CSRF_COOKIE)
        request.state.csrf = existing or secrets.token_urlsafe(32)
        if existing:
            await self.app(scope, receive, send)
            return
        cookie = set_cookie_header(CSRF_COOKIE, request.state.csrf, httponly=True,
                                   samesite="strict")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _refusal(self, request: Request, scope: Scope, receive: Receive,
                       send: Send) -> bool:
        """Answer and return True when the request may not go on."""
        token: str | None = request.app.state.token
        path = request.url.path
        if not token or path.startswith(OPEN_PATHS):
            return False
        if bearer_of(request) is not None:
            return await self._check_bearer(request, scope, receive, send)
        if session_ok(request):
            return False
        if path.startswith("/api"):
            await send_reply(scope, receive, send, 401,
                             "missing, wrong or expired access token: send 'Authorization: "
                             "Bearer $EVALIGN_TOKEN'", "Unauthorized")
            return True
        target = path + (f"?{request.url.query}" if request.url.query else "")
        redirect = RedirectResponse(f"/login?next={_quoted(target)}", status_code=303)
        await redirect(scope, receive, send)
        return True

    async def _check_bearer(self, request: Request, scope: Scope, receive: Receive,
                            send: Send) -> bool:
        """A Bearer token is a guess like a sign-in: throttled per client, refused unread."""
        throttle: SignInThrottle = request.app.state.throttle
        client = client_of(request)
        wait = throttle.wait_s(client)
        if wait <= 0:
            if bearer_ok(request):
                return False
            wait = throttle.failed(client)
        if wait <= 0:
            await send_reply(scope, receive, send, 401, "wrong access token: send "
                             "'Authorization: Bearer $EVALIGN_TOKEN'", "Unauthorized",
                             headers={"WWW-Authenticate": "Bearer"})
        else:
            await send_reply(scope, receive, send, 429, too_many_message(client, wait),
                             "TooManyAttempts", headers={"Retry-After": retry_after(wait)})
        return True


def too_many_message(client: str, wait_s: float) -> str:
    """What a throttled client is told."""
    return (f"too many wrong access tokens from {client}: wait {retry_after(wait_s)} s "
            "before trying again")


def _quoted(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


async def csrf_protect(request: Request) -> None:
    """Router dependency: refuse a state-changing request a page of another site could forge."""
    if request.method in SAFE_METHODS or bearer_ok(request):
        return
    if request.url.path.startswith("/api"):
        if request.headers.get(API_HEADER):
            return
        raise HTTPException(403, f"CSRF check: a state-changing API request must send the "
                                 f"header '{API_HEADER}: 1' (or 'Authorization: Bearer "
                                 "$EVALIGN_TOKEN'), which a page of another site cannot send")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise HTTPException(403, "CSRF token missing or wrong: reload the page and try again")
