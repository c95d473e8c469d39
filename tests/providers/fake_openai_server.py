"""A tiny OpenAI-compatible HTTP server on 127.0.0.1 whose answers each test scripts.

Each queued reply is (status, headers, body, delay_s); when the queue is empty it answers a
completion whose text is `answer(request body)` (default "PASS"). Every request body is
recorded, so tests can check what was sent and how many calls were made (the provider must not
retry on its own). Fields named in `refuse` (e.g. "response_format") are refused with an HTTP
400 naming them, before any queued reply, as servers without structured output do.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, dict[str, str], Any, float]


def completion(text: str, logprobs: list[dict[str, Any]] | None = None,
               usage: dict[str, Any] | None = None) -> dict[str, Any]:
    """A chat.completion body."""
    choice: dict[str, Any] = {"index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": text}}
    if logprobs is not None:
        choice["logprobs"] = {"content": logprobs}
    return {
        "id": "cmpl-1", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [choice],
        "usage": usage or {"prompt_tokens": 11, "completion_tokens": 2, "total_tokens": 13},
    }


class FakeOpenAI:
    """The server; use as a context manager. `base_url` is what the provider needs."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.refuse: set[str] = set()
        self.answer: Callable[[dict[str, Any]], str] = lambda _body: "PASS"
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                request = json.loads(self.rfile.read(length) or b"{}")
                outer.requests.append(request)
                outer.headers.append({k.lower(): v for k, v in self.headers.items()})
                status, headers, body, delay = outer.next_reply(request)
                time.sleep(delay)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", headers.pop("content-type",
                                                                 "application/json"))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    def next_reply(self, request: dict[str, Any]) -> Reply:
        """The reply to `request`: a refusal, else the next queued reply, else an answer."""
        refused = sorted(self.refuse & set(request))
        if refused:
            message = f"{', '.join(refused)} is not supported by this server"
            return 400, {}, {"error": {"message": message, "type": "invalid_request_error"}}, 0.0
        if self.replies:
            return self.replies.popleft()
        return 200, {}, completion(self.answer(request)), 0.0

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def reply(self, status: int, body: Any, headers: dict[str, str] | None = None,
              delay: float = 0.0) -> None:
        """Queue one reply."""
        self.replies.append((status, dict(headers or {}), body, delay))

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
