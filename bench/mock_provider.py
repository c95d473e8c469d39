"""A mock OpenAI-compatible provider for benchmarks and reliability tests.

`POST /v1/chat/completions` answers with a verdict that is a deterministic function of the
request, so every tool's answers can be checked against `expected(prompt)`; `GET /v1/models`
lists one model; `GET /_mock/stats` returns the counters. The server enforces a provider's
limits (latency per call, max in-flight calls, requests per minute: beyond them a 429 with
`Retry-After`) and injects faults at configured rates (500s, hangs longer than the client
timeout, dropped connections, unparseable answers, schema-violating answers).

The request key is the `[item:ID]` marker when a message carries one (bench datasets embed
it, so every tool judging an item hits the same key), else the sha256 of the last user
message. Faults are drawn per (key, attempt), so a retry of a failed call can succeed and a
rerun with the same seed injects the same faults.

It speaks raw HTTP/1.1 through `h11` on asyncio streams, which is what lets it drop a
connection mid-request and keep thousands of calls in flight on one thread.

In-process::

    with MockProvider(MockConfig(latency_ms=200, max_in_flight=64)) as mock:
        client = openai.OpenAI(base_url=mock.url, api_key="x")
        ...
        mock.stats()["calls"]

As a script: ``python bench/mock_provider.py --port 8765 --latency-ms 200 --rpm 6000``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import h11

ITEM_MARKER = re.compile(r"\[item:([^\]\s]+)\]")
MODEL_NAME = "mock"
FAULT_KINDS = ("error_500", "hang", "drop", "garbage", "schema")
VERDICT_WORDS = ("PASS", "FAIL")
_GARBAGE = "~~ <<unreadable ### 0x7f>> lorem ipsum dolor {{ unterminated"


@dataclass
class MockConfig:
    """How the mock behaves.

    Attributes:
        latency_ms: time each answered call takes.
        max_in_flight: calls served at once; more get a 429 at once (0 = unlimited).
        rpm: requests accepted per minute (0 = unlimited); a token bucket of `burst` tokens.
        burst: bucket size; None means a full minute's worth (`rpm`), like most providers.
        error_500, hang, drop, garbage, schema: probability of each fault per call.
        hang_s: how long a hanging call hangs before the server closes it.
        pass_rate: share of keys whose intended verdict is PASS.
        seed: changes which keys pass and which calls fault.
        max_requests: stop accepting (503) after this many requests (0 = unbounded).
        max_lifetime_s: the server stops itself after this long (0 = until stopped).
        keep_timeline: record (time, status) of every request, for rate measurements.
        api_key: when set, a request with another Bearer key gets a 401 that quotes the key
            it sent, as some providers do (to test that clients scrub secrets).
    """

    latency_ms: float = 0.0
    max_in_flight: int = 0
    rpm: int = 0
    burst: int | None = None
    error_500: float = 0.0
    hang: float = 0.0
    drop: float = 0.0
    garbage: float = 0.0
    schema: float = 0.0
    hang_s: float = 120.0
    pass_rate: float = 0.5
    seed: int = 0
    max_requests: int = 0
    max_lifetime_s: float = 0.0
    keep_timeline: bool = True
    api_key: str | None = None


def _unit(*parts: object) -> float:
    """A uniform number in [0, 1) derived from `parts`."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def request_key(messages: Sequence[Mapping[str, Any]]) -> str:
    """The key of a request: its `[item:ID]` marker, else sha256 of the last user message."""
    for message in reversed(messages):
        found = ITEM_MARKER.search(_message_text(message))
        if found:
            return found.group(1)
    users = [m for m in messages if m.get("role") == "user"] or list(messages)
    last = _message_text(users[-1]) if users else ""
    return "sha256:" + hashlib.sha256(last.encode()).hexdigest()[:24]


def expected_for_key(key: str, seed: int = 0, pass_rate: float = 0.5) -> str:
    """The verdict ("PASS" or "FAIL") the mock intends for a request key."""
    return "PASS" if _unit("verdict", seed, key) < pass_rate else "FAIL"


def expected(
    prompt: str | Sequence[Mapping[str, Any]], seed: int = 0, pass_rate: float = 0.5
) -> str:
    """The verdict the mock intends for a prompt (a string or a list of chat messages)."""
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
    return expected_for_key(request_key(messages), seed, pass_rate)


def _p_intended(key: str, seed: int) -> float:
    """Probability the mock gives its intended verdict's token (0.75 to 0.99)."""
    return 0.75 + 0.24 * _unit("prob", seed, key)


def _fill_schema(schema: Mapping[str, Any], verdict: str, name: str = "") -> Any:
    """A value that follows a JSON schema and carries `verdict` in its verdict-like field."""
    defs = schema.get("$defs") or schema.get("definitions") or {}
    return _fill(schema, verdict, name, defs)


def _fill(schema: Mapping[str, Any], verdict: str, name: str, defs: Mapping[str, Any]) -> Any:
    if "$ref" in schema:
        return _fill(defs.get(str(schema["$ref"]).rsplit("/", 1)[-1], {}), verdict, name, defs)
    for combo in ("anyOf", "oneOf", "allOf"):
        if schema.get(combo):
            options = [o for o in schema[combo] if o.get("type") != "null"] or schema[combo]
            return _fill(options[0], verdict, name, defs)
    passed = verdict == "PASS"
    if "enum" in schema:
        return _pick_enum(list(schema["enum"]), passed)
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _fill(v, verdict, k, defs) for k, v in props.items()}
    if kind == "array":
        return [_fill(schema.get("items", {}), verdict, name, defs)]
    if kind == "boolean":
        return passed
    if kind in ("integer", "number"):
        # Unbounded "score" fields are read as 0-10 scales (G-Eval); other numbers as 0/1.
        low = schema.get("minimum", 0)
        high = schema.get("maximum", 10 if "score" in name.lower() else 1)
        return high if passed else low
    if re.search(r"reason|explanation|rationale|thought|critique", name, re.I):
        return f"Mock reasoning: the answer should {'pass' if passed else 'fail'}."
    return verdict.lower() if name in ("value", "label") else verdict


def _pick_enum(options: list[Any], passed: bool) -> Any:
    want = ("pass", "yes", "true", "1", "good") if passed else ("fail", "no", "false", "0", "bad")
    for option in options:
        if str(option).lower() in want:
            return option
    return options[0] if passed else options[-1]


def _schema_in_text(text: str) -> Mapping[str, Any] | None:
    """The first JSON schema (an object with "properties") quoted in a prompt, if any."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    tries = 0
    while start != -1 and tries < 200:
        tries += 1
        try:
            found, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            found = None
        if isinstance(found, dict) and isinstance(found.get("properties"), dict):
            return found
        start = text.find("{", start + 1)
    return None


def _verdict_in_text_json(prompt: str, verdict: str) -> str:
    """A JSON answer for a prompt that asks for JSON in words or through json_object mode.

    A JSON schema quoted in the prompt (instructor's JSON mode puts one there) is followed;
    otherwise the answer carries whichever usual keys the prompt names.
    """
    embedded = _schema_in_text(prompt)
    if embedded is not None:
        return json.dumps(_fill_schema(embedded, verdict))
    passed = verdict == "PASS"
    keys = [k for k in ("verdict", "value", "score", "label", "reason") if f'"{k}"' in prompt]
    answer: dict[str, Any] = {}
    for key in keys or ["verdict", "reason"]:
        if key == "score":
            answer[key] = 10 if passed else 0
        elif key == "reason":
            answer[key] = f"Mock reasoning: the answer should {'pass' if passed else 'fail'}."
        else:
            answer[key] = verdict.lower() if key == "value" else verdict
    return json.dumps(answer)


@dataclass
class _Answer:
    """What one call answers: a message content or a tool call, and the first-token probs."""

    content: str | None = None
    tool_name: str | None = None
    tool_args: str | None = None
    verdict_token: str = "PASS"
    p_token: float = 1.0


def build_answer(
    body: Mapping[str, Any], key: str, config: MockConfig, fault: str | None
) -> _Answer:
    """Build the answer to a chat completion request, honouring tools and response_format."""
    verdict = expected_for_key(key, config.seed, config.pass_rate)
    answer = _Answer(verdict_token=verdict, p_token=_p_intended(key, config.seed))
    tools = body.get("tools") or []
    fmt = body.get("response_format") or {}
    schema: Mapping[str, Any] | None = None
    if tools:
        function = tools[0].get("function", {})
        choice = body.get("tool_choice")
        if isinstance(choice, dict) and choice.get("function", {}).get("name"):
            wanted = choice["function"]["name"]
            function = next(
                (t["function"] for t in tools if t.get("function", {}).get("name") == wanted),
                function,
            )
        answer.tool_name = str(function.get("name", "answer"))
        schema = function.get("parameters", {})
    elif fmt.get("type") == "json_schema":
        schema = fmt.get("json_schema", {}).get("schema", {})
    if fault == "garbage":
        text = _GARBAGE
    elif fault == "schema":
        text = json.dumps({"unexpected": "MAYBE"}) if schema is not None or fmt else "MAYBE"
    elif schema is not None:
        text = json.dumps(_fill_schema(schema, verdict))
    else:
        prompt = "\n".join(_message_text(m) for m in body.get("messages", []))
        wants_json = fmt.get("type") == "json_object" or "json" in prompt.lower()
        text = _verdict_in_text_json(prompt, verdict) if wants_json else verdict
    if answer.tool_name is not None:
        answer.tool_args = text
    else:
        answer.content = text
    return answer


def _logprobs(answer: _Answer, top: int) -> dict[str, Any]:
    """OpenAI-style logprobs, one entry per crude token of the answer.

    Tokens that carry the verdict (PASS/FAIL, pass/fail, or a 0/10 score) get the intended
    value at probability `p_token` and its opposite at 1 - p_token in `top_logprobs`, so
    tools that read the first token or the score token both find what they look for.
    """
    text = answer.content if answer.content is not None else answer.tool_args or ""
    passed = answer.verdict_token == "PASS"
    opposite = {
        "PASS": "FAIL",
        "FAIL": "PASS",
        "pass": "fail",
        "fail": "pass",
        "10": "0",
        "0": "10",
        "1": "0",
    }
    if not passed:
        opposite["0"] = "10" if re.search(r'"score"\s*:\s*0\b', text) else "1"
    entries = []
    for token in re.findall(r"\w+|[^\w\s]", text) or [text]:
        alt = opposite.get(token)
        p = answer.p_token if alt is not None else 1.0
        tops = [{"token": token, "logprob": math.log(p), "bytes": None}]
        if alt is not None:
            tops.append({"token": alt, "logprob": math.log(1 - p), "bytes": None})
        entries.append(
            {
                "token": token,
                "logprob": math.log(p),
                "bytes": None,
                "top_logprobs": tops[: max(top, 1)],
            }
        )
    return {"content": entries, "refusal": None}


def completion_body(body: Mapping[str, Any], answer: _Answer, serial: int) -> dict[str, Any]:
    """The JSON body of a chat completion response."""
    prompt_tokens = sum(len(_message_text(m)) for m in body.get("messages", [])) // 4 + 1
    text = answer.tool_args if answer.tool_name else answer.content
    message: dict[str, Any] = {"role": "assistant", "content": answer.content, "refusal": None}
    finish = "stop"
    if answer.tool_name:
        finish = "tool_calls"
        message["tool_calls"] = [
            {
                "id": f"call_{serial}",
                "type": "function",
                "function": {"name": answer.tool_name, "arguments": answer.tool_args},
            }
        ]
    choice: dict[str, Any] = {
        "index": 0,
        "message": message,
        "finish_reason": finish,
        "logprobs": None,
    }
    if body.get("logprobs"):
        choice["logprobs"] = _logprobs(answer, int(body.get("top_logprobs") or 1))
    completion_tokens = len(text or "") // 4 + 1
    return {
        "id": f"chatcmpl-mock-{serial}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", MODEL_NAME),
        "choices": [choice],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


@dataclass
class _Stats:
    """Counters; touched only on the server's event loop thread."""

    requests: int = 0
    calls: int = 0
    answered: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    rejected_concurrency: int = 0
    rejected_rpm: int = 0
    rejected_bounded: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    calls_per_key: Counter[str] = field(default_factory=Counter)
    answers_per_key: Counter[str] = field(default_factory=Counter)
    intended: dict[str, str] = field(default_factory=dict)
    timeline: list[tuple[float, int]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)


class _Bucket:
    """Token bucket: `rate` tokens per second, at most `size` stored."""

    def __init__(self, rpm: int, size: int) -> None:
        self.rate = rpm / 60.0
        self.size = float(size)
        self.tokens = float(size)
        self.stamp = time.monotonic()

    def take(self) -> float:
        """Take a token; return 0.0 on success, else seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(self.size, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class MockServer:
    """The asyncio server; run it with `serve()` on an event loop (MockProvider does)."""

    def __init__(self, config: MockConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config
        self.host, self.port = host, port
        self.stats = _Stats()
        burst = config.burst if config.burst is not None else config.rpm
        self.bucket = _Bucket(config.rpm, max(burst, 1)) if config.rpm else None
        self._stopping: asyncio.Event | None = None
        self._serial = 0
        self._log: list[dict[str, Any]] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def serve(self, ready: threading.Event | None = None) -> None:
        """Serve until `stop()` or the lifetime bound."""
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._connection, self.host, self.port, backlog=4096)
        self.port = server.sockets[0].getsockname()[1]
        if ready is not None:
            ready.set()
        lifetime = self.config.max_lifetime_s or None
        async with server:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), lifetime)
            server.close()
            # Hanging calls and idle keep-alive connections end with the server.
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def stop_soon(self) -> None:
        """Ask the serve loop to end (call on the loop's thread)."""
        if self._stopping is not None:
            self._stopping.set()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        try:
            while True:
                request, body = await self._read_request(conn, reader)
                if request is None:
                    return
                keep = await self._respond(conn, writer, request, body)
                if not keep or conn.our_state is not h11.DONE:
                    return
                conn.start_next_cycle()
        except (h11.ProtocolError, ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            # Cancelled by shutdown: swallow it, or asyncio's stream callback reports it.
            return
        finally:
            writer.close()

    async def _read_request(
        self, conn: h11.Connection, reader: asyncio.StreamReader
    ) -> tuple[h11.Request | None, bytes]:
        request: h11.Request | None = None
        chunks: list[bytes] = []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                conn.receive_data(data)
                if not data and request is None:
                    return None, b""
            elif isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return request, b"".join(chunks)
            elif isinstance(event, h11.ConnectionClosed):
                return None, b""

    async def _send(
        self,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        status: int,
        payload: Any,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        data = json.dumps(payload).encode()
        head = [("content-type", "application/json"), ("content-length", str(len(data)))]
        writer.write(conn.send(h11.Response(status_code=status, headers=head + (headers or []))))
        writer.write(conn.send(h11.Data(data=data)))
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()

    async def _respond(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, request: h11.Request, raw: bytes
    ) -> bool:
        target = request.target.decode().split("?", 1)[0].rstrip("/")
        if request.method == b"GET" and target.endswith("/models"):
            await self._send(
                conn,
                writer,
                200,
                {
                    "object": "list",
                    "data": [
                        {
                            "id": MODEL_NAME,
                            "object": "model",
                            "created": 0,
                            "owned_by": "evalign-bench",
                        }
                    ],
                },
            )
            return True
        if request.method == b"GET" and target == "/_mock/stats":
            await self._send(conn, writer, 200, self.snapshot())
            return True
        if request.method == b"POST" and target.endswith("/chat/completions"):
            if not self._authorized(request):
                sent = dict(request.headers).get(b"authorization", b"").decode()[7:]
                message = f"Incorrect API key provided: {sent}."
                await self._send(conn, writer, 401, self._error(message, "invalid_api_key"))
                return True
            return await self._chat(conn, writer, raw)
        await self._send(conn, writer, 404, {"error": {"message": f"no route {target}"}})
        return True

    def _error(self, message: str, kind: str) -> dict[str, Any]:
        return {"error": {"message": message, "type": kind, "param": None, "code": kind}}

    def _authorized(self, request: h11.Request) -> bool:
        if self.config.api_key is None:
            return True
        sent = dict(request.headers).get(b"authorization", b"").decode()
        return sent == f"Bearer {self.config.api_key}"

    async def _chat(self, conn: h11.Connection, writer: asyncio.StreamWriter, raw: bytes) -> bool:
        st, cfg = self.stats, self.config
        st.requests += 1
        now = time.monotonic() - st.started
        if cfg.max_requests and st.requests > cfg.max_requests:
            st.rejected_bounded += 1
            await self._send(conn, writer, 503, self._error("mock request bound reached", "bound"))
            return False
        if cfg.max_in_flight and st.in_flight >= cfg.max_in_flight:
            st.rejected_concurrency += 1
            self._mark(now, 429)
            await self._send(
                conn,
                writer,
                429,
                self._error("too many requests in flight", "rate_limit_exceeded"),
                [("retry-after", "1"), ("retry-after-ms", "50")],
            )
            return True
        wait = self.bucket.take() if self.bucket else 0.0
        if wait > 0:
            st.rejected_rpm += 1
            self._mark(now, 429)
            await self._send(
                conn,
                writer,
                429,
                self._error("requests per minute exceeded", "rate_limit_exceeded"),
                [
                    ("retry-after", str(math.ceil(wait))),
                    ("retry-after-ms", str(math.ceil(wait * 1000))),
                ],
            )
            return True
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            await self._send(conn, writer, 400, self._error("body is not JSON", "invalid_request"))
            return True
        st.in_flight += 1
        st.peak_in_flight = max(st.peak_in_flight, st.in_flight)
        try:
            return await self._answer(conn, writer, body, now)
        finally:
            st.in_flight -= 1

    def _mark(self, now: float, status: int) -> None:
        if self.config.keep_timeline:
            self.stats.timeline.append((round(now, 4), status))

    def _draw_fault(self, key: str, attempt: int) -> str | None:
        u, edge = _unit("fault", self.config.seed, key, attempt), 0.0
        for kind in FAULT_KINDS:
            edge += float(getattr(self.config, kind))
            if u < edge:
                return kind
        return None

    async def _answer(
        self,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        body: Mapping[str, Any],
        now: float,
    ) -> bool:
        st, cfg = self.stats, self.config
        key = request_key(list(body.get("messages") or []))
        attempt = st.calls_per_key[key]
        st.calls += 1
        st.calls_per_key[key] += 1
        st.intended[key] = expected_for_key(key, cfg.seed, cfg.pass_rate)
        fault = self._draw_fault(key, attempt)
        if fault:
            st.faults[fault] += 1
        self._log_call(key, attempt, fault)
        if fault == "hang":
            await asyncio.sleep(cfg.hang_s)
            return False
        await asyncio.sleep(cfg.latency_ms / 1000)
        if fault == "drop":
            self._mark(now, 0)
            return False
        if fault == "error_500":
            self._mark(now, 500)
            await self._send(
                conn, writer, 500, self._error("injected server error", "server_error")
            )
            return True
        self._serial += 1
        answer = build_answer(body, key, cfg, fault)
        if fault is None:
            st.answers_per_key[key] += 1
            st.answered += 1
        self._mark(now, 200)
        await self._send(conn, writer, 200, completion_body(body, answer, self._serial))
        return True

    def _log_call(self, key: str, attempt: int, fault: str | None) -> None:
        if self._log is not None:
            self._log.append(
                {
                    "t": round(time.monotonic() - self.stats.started, 4),
                    "key": key,
                    "attempt": attempt,
                    "fault": fault,
                }
            )

    def snapshot(self) -> dict[str, Any]:
        """The counters as plain JSON-able data."""
        st = self.stats
        return {
            "requests": st.requests,
            "calls": st.calls,
            "answered": st.answered,
            "peak_in_flight": st.peak_in_flight,
            "in_flight": st.in_flight,
            "rejected_concurrency": st.rejected_concurrency,
            "rejected_rpm": st.rejected_rpm,
            "rejected_bounded": st.rejected_bounded,
            "faults": dict(st.faults),
            "calls_per_key": dict(st.calls_per_key),
            "answers_per_key": dict(st.answers_per_key),
            "intended": dict(st.intended),
            "timeline": list(st.timeline),
            "uptime_s": round(time.monotonic() - st.started, 3),
            "config": asdict(self.config),
        }


class MockProvider:
    """The mock server on its own thread: `start()`, `.url`, `.stats()`, `.reset()`, `.stop()`."""

    def __init__(self, config: MockConfig | None = None, port: int = 0, log_calls: bool = False):
        self.config = config or MockConfig()
        self.server = MockServer(self.config, port=port)
        if log_calls:
            self.server._log = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL for OpenAI clients (ends in /v1)."""
        return f"http://127.0.0.1:{self.server.port}/v1"

    def start(self) -> MockProvider:
        """Start serving on a daemon thread; returns once the port is bound."""
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self.server.serve(ready))
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, name="mock-provider", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("mock provider did not start")
        return self

    def _on_loop(self, fn: Any) -> Any:
        if self._loop is None or not self._loop.is_running():
            return fn()

        async def call() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(10)

    def stats(self) -> dict[str, Any]:
        """A snapshot of the counters (see `MockServer.snapshot`)."""
        return dict(self._on_loop(self.server.snapshot))

    def calls_log(self) -> list[dict[str, Any]]:
        """Every call (time, key, attempt, fault) when started with `log_calls=True`."""
        return list(self._on_loop(lambda: list(self.server._log or [])))

    def reset(self) -> None:
        """Zero the counters (between benchmark runs)."""

        def zero() -> None:
            self.server.stats = _Stats()
            burst = self.config.burst if self.config.burst is not None else self.config.rpm
            self.server.bucket = (
                _Bucket(self.config.rpm, max(burst, 1)) if self.config.rpm else None
            )
            if self.server._log is not None:
                self.server._log = []

        self._on_loop(zero)

    def stop(self) -> None:
        """Stop the server and join its thread."""
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self.server.stop_soon)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> MockProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class MockProcess:
    """The mock in its own process (so it shares no GIL with the tool under test).

    Same surface as `MockProvider`: `start()`, `.url`, `.stats()`, `.stop()`.
    """

    def __init__(self, config: MockConfig | None = None) -> None:
        self.config = config or MockConfig()
        self.port = _free_port()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL for OpenAI clients (ends in /v1)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> MockProcess:
        """Start the server process and wait until it answers."""
        args = [sys.executable, str(Path(__file__).resolve()), "--port", str(self.port)]
        for name, value in asdict(self.config).items():
            if value is not None and not isinstance(value, bool):
                args += ["--" + name.replace("_", "-"), str(value)]
        if not self.config.keep_timeline:
            args.append("--no-timeline")
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.stats()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("mock provider process did not start")

    def stats(self) -> dict[str, Any]:
        """The counters, fetched from `GET /_mock/stats`."""
        url = f"http://127.0.0.1:{self.port}/_mock/stats"
        with urllib.request.urlopen(url, timeout=30) as response:
            data: dict[str, Any] = json.load(response)
        return data

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> MockProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def physical_limit(
    n: int, concurrency: int, latency_s: float, rpm: int = 0, burst: int | None = None
) -> float:
    """Shortest possible wall time for `n` calls: ceil(n / C) x latency, or the rate bound."""
    bound = math.ceil(n / max(concurrency, 1)) * latency_s
    if rpm:
        size = rpm if burst is None else burst
        bound = max(bound, max(n - size, 0) / (rpm / 60.0) + latency_s)
    return bound


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--stats-file", help="write the final counters here as JSON on exit")
    parser.add_argument("--no-timeline", dest="keep_timeline", action="store_false")
    defaults = MockConfig()
    for name, value in asdict(defaults).items():
        if isinstance(value, bool):
            continue
        kind = type(value) if value is not None else (str if name == "api_key" else int)
        parser.add_argument("--" + name.replace("_", "-"), type=kind, default=value)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the mock as a script until Ctrl-C or its bounds."""
    args = _parse_args(argv)
    names = set(asdict(MockConfig()))
    config = MockConfig(**{k: v for k, v in vars(args).items() if k in names})
    server = MockServer(config, host=args.host, port=args.port)
    print(f"mock provider on http://{args.host}:{args.port}/v1", flush=True)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, server.stop_soon)
        await server.serve()

    try:
        asyncio.run(serve())
    finally:
        if args.stats_file:
            with open(args.stats_file, "w") as out:
                json.dump(server.snapshot(), out)


if __name__ == "__main__":
    main()
