"""Error replies in the caller's language: JSON under `/api`, a readable page everywhere else.

Every refusal the app makes (a wrong Host, a body too large, a missing token, a bug) goes through
`error_reply`, so a person never meets raw JSON and a program never has to parse HTML.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from evalign.web.templating import render

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
"""Scripts only from the app's own files (`default-src 'self'`): no inline script, no CDN."""
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
"""Sent on every response (a route may set its own CSP first)."""


def wants_json(request: Request) -> bool:
    """Whether the caller is a program (`/api` paths) rather than a person."""
    return request.url.path.startswith("/api")


def error_reply(request: Request, status: int, message: str, kind: str, *,
                title: str = "That did not work", headers: Mapping[str, str] | None = None,
                extra: Mapping[str, object] | None = None) -> Response:
    """`{"error", "kind", ...extra}` for the API, the error page for people.

    Args:
        request: the request being refused.
        status: HTTP status code.
        message: what went wrong and what to do (shown as is).
        kind: a short machine-readable name of the error.
        title: the page's heading.
        headers: extra response headers (e.g. `Retry-After`).
        extra: further JSON fields.
    """
    if wants_json(request):
        body: dict[str, object] = {"error": message, "kind": kind, **(extra or {})}
        return JSONResponse(body, status_code=status, headers=dict(headers or {}))
    response = render(request, "error.html", status_code=status, title=title, message=message)
    response.headers.update(dict(headers or {}))
    return response


def with_security_headers(response: Response) -> Response:
    """`response` with the security headers it lacks (for replies sent past the middleware)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


async def send_reply(scope: Scope, receive: Receive, send: Send, status: int, message: str,
                     kind: str, *, close: bool = False,
                     headers: Mapping[str, str] | None = None) -> None:
    """Send `error_reply` from an ASGI middleware (before any route ran).

    Args:
        close: ask the server to close the connection (its request body stays unread).
        headers: extra response headers.
    """
    sent = {**(headers or {}), **({"Connection": "close"} if close else {})}
    response = error_reply(Request(scope, receive), status, message, kind, headers=sent)
    await response(scope, receive, send)
