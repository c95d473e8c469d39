"""ASGI guards in front of every route: security headers, the Host check, body limits.

They are plain ASGI middleware (not `BaseHTTPMiddleware`) because they must act on bytes as they
arrive: the body limit refuses a request from its `Content-Length` without reading a byte of the
body, and stops a streamed (chunked) body as soon as it passes the limit.

- `SecurityHeaders`: every response gets the headers of `replies.SECURITY_HEADERS`, including
  redirects, 401s, 404s and 413s (added where the response starts, whoever made it).
- `HostCheck`: a request whose `Host` is not one of the server's names (nor the address the
  connection reached) is refused (400). This is the defence against DNS rebinding: a page of
  another site that resolves its own name to this server's address still sends its own name as
  `Host`.
- `BodyLimit`: bodies past the limit are refused (413); uploads have a larger limit of their own.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from evalign.web.replies import SECURITY_HEADERS, send_reply
from evalign.web.settings import bare_host, is_address

_HEADERS = [(k.lower(), v) for k, v in SECURITY_HEADERS.items()]


class BodyTooLarge(HTTPException):
    """A request body passed its limit while being read (the app answers 413)."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    """What a refused body is told (the limit in human units, and how to raise it)."""
    size = f"{limit / (1 << 20):g} MiB" if limit >= 1 << 20 else f"{limit} bytes"
    return (f"request body is larger than this server accepts ({size}): send less (split a "
            "batch), or start the server with a larger --max-body-mb / --max-upload-mb")


class SecurityHeaders:
    """Add the security headers to every HTTP response that lacks them."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HostCheck:
    """Refuse requests whose `Host` header is not one of `names` (None: any Host)."""

    def __init__(self, app: ASGIApp, names: frozenset[str] | None):
        self.app = app
        self.names = names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.names is None:
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")
        name = bare_host(host)
        if name in self.names or _own_address(name, scope):
            await self.app(scope, receive, send)
            return
        shown = host[:100] or "(none)"
        await send_reply(scope, receive, send, 400,
                         f"this server does not answer to the host name {shown!r}: open it by "
                         "its own address, or start it with `--allowed-host NAME`",
                         "ForeignHost", close=True)


def _own_address(name: str, scope: Scope) -> bool:
    """Whether `name` is the very address this connection reached (e.g. a LAN address of a
    wildcard bind). An address is never a rebinding vector: only a name can be re-pointed."""
    server = scope.get("server") or ("", 0)
    return is_address(name) and name == bare_host(str(server[0]))


class BodyLimit:
    """Refuse request bodies past `default` bytes (`upload` bytes on `upload_paths`)."""

    def __init__(self, app: ASGIApp, *, default: int, upload: int,
                 upload_paths: frozenset[str]):
        self.app = app
        self.default, self.upload, self.upload_paths = default, upload, upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload if scope["path"] in self.upload_paths else self.default
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            # refused before reading: the body may be as large as the client likes
            await send_reply(scope, receive, send, 413, too_large_message(limit),
                             "BodyTooLarge", close=True)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:
                raise
            await send_reply(scope, receive, send, 413, too_large_message(limit),
                             "BodyTooLarge", close=True)
