"""A guard for JSON request bodies nested too deep to parse safely.

Python's JSON parser recurses once per level: near 1,000 levels it fails with a RecursionError
(FastAPI answers a bare "There was an error parsing the body"), and a value a few hundred levels
deep that parses would recurse again wherever it is validated, stored or rendered. No request
evalign serves nests anywhere near `MAX_DEPTH`, so a deeper JSON body is refused (400) with the
line where it goes too deep, before any route reads it.

The body is read here in full and handed on unchanged; `BodyLimit`, outside this guard, has
already bounded its size.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from evalign.jsondepth import MAX_DEPTH, line_at, too_deep
from evalign.web.replies import send_reply

_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_json(content_type: str) -> bool:
    """Whether a Content-Type names JSON (`application/json`, `application/x+json`, ...)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def too_deep_message(line: int) -> str:
    """What a refused body is told."""
    return (f"JSON body nested more than {MAX_DEPTH} levels deep (line {line}): evalign refuses "
            "it rather than risk its parser; flatten the structure or send it as a string")


class JsonDepthLimit:
    """Refuse JSON request bodies nested deeper than `MAX_DEPTH` (400, kind `TooDeep`)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in _WITH_BODY
                or not is_json(Headers(scope=scope).get("content-type", ""))):
            await self.app(scope, receive, send)
            return
        body, ended = await _read_body(receive)
        text = body.decode("utf-8", errors="replace")
        where = too_deep(text)
        if where is not None:
            await send_reply(scope, receive, send, 400, too_deep_message(line_at(text, where)),
                             "TooDeep")
            return
        await self.app(scope, _replay(body, ended, receive), send)


async def _read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body, and the message that ended it early (a disconnect) if any."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _replay(body: bytes, ended: Message | None, receive: Receive) -> Receive:
    """A `receive` that gives the body read already, then whatever the client sends next."""
    pending: list[Message] = [
        ended if ended is not None else {"type": "http.request", "body": body,
                                         "more_body": False}]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay
