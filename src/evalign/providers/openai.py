"""`openai/<model>`: any OpenAI-compatible chat endpoint (OpenAI, Azure's v1 API, vLLM,
Ollama, llama.cpp server, OpenRouter, ...), called with JSON over `aiohttp`.

Why not the `openai` SDK: per call, its request pipeline and httpx connection pool cost ~6 ms
of CPU on this project's 2-core benchmark machine (960 calls at 64 in flight: 1.44x the
provider's limit), while one JSON POST over `aiohttp` costs ~0.25 ms (1.05x). The request body
and the answer are the same chat-completions JSON either way; `chat_completions` reads it.

Every failure is mapped onto `evalign.errors` and nothing is retried here (the runner owns
retries and needs to see each failure): 429 -> RateLimitError with Retry-After, 5xx /
timeouts / connection errors -> TransientError, anything else -> ProviderError. The API key is
read from the environment (or given once), sent as a bearer token and never kept in reprs or
error messages.

Structured output: a request with a JSON schema is sent with `response_format` (strict
`json_schema`). An endpoint that refuses it (HTTP 400 naming response_format / json_schema /
an unsupported parameter) is asked again in plain text, and once the plain call succeeds this
provider object, which is bound to one endpoint and one model, stops sending it; the same
for `logprobs`. The runner holds one provider object per run, so the memory lasts that run.
"""

from __future__ import annotations

import json
import os
from typing import Any

import aiohttp

from evalign.errors import ConfigError, ProviderError, TransientError
from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.providers.chat_completions import (
    TOP_LOGPROBS,
    completion_from_json,
    optional_features,
    response_format,
)
from evalign.providers.http_errors import from_status
from evalign.providers.loop_client import LoopClient
from evalign.providers.scrub import redact_url, scrub

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_BASE_URL = "https://api.openai.com/v1"
_ERROR_TEXT_CHARS = 2000  # of an error body kept in the message
_API_PARAMS = frozenset({
    "temperature", "max_tokens", "max_completion_tokens", "top_p", "seed", "stop",
    "frequency_penalty", "presence_penalty", "reasoning_effort", "logit_bias", "user",
})


class _Refused(Exception):
    """A 400 answer, kept to decide whether an optional field caused it."""

    def __init__(self, message: str, status: int, headers: dict[str, str]):
        super().__init__(message)
        self.message, self.status, self.headers = message, status, headers


class OpenAIModel:
    """A `ModelAPI` for one model behind an OpenAI-compatible endpoint.

    Args:
        name: the model name the endpoint knows (the part after `openai/`).
        base_url: endpoint base URL (default: `OPENAI_BASE_URL`, else OpenAI's).
        api_key: the key (default: `OPENAI_API_KEY`); a local endpoint with a base URL
            may have none.
        timeout: seconds per call before it counts as a TransientError.
        max_concurrency: in-flight calls the runner starts with.
    """

    def __init__(
        self,
        name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_concurrency: int = 32,
    ):
        if not name:
            raise ConfigError("openai/<model>: the model name is empty (e.g. openai/gpt-4o-mini)")
        self.model = f"openai/{name}"
        self.name = name
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        self.endpoint = redact_url(self.base_url or DEFAULT_BASE_URL) or DEFAULT_BASE_URL
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key and not self.base_url:
            raise ConfigError(
                f"{self.model}: set OPENAI_API_KEY (or give a base URL for a local endpoint)"
            )
        self.timeout = timeout
        self.max_concurrency = max_concurrency
        self._key = key
        self._url = completions_url(self.base_url or DEFAULT_BASE_URL, has_key=bool(key))
        self._proxy = proxy_for(self._url)
        self._client: LoopClient[Any] = LoopClient(self._new_client, abandon=_detach)
        self._schema_ok = True
        self._logprobs_ok = True

    def __repr__(self) -> str:
        return f"OpenAIModel(model={self.model!r}, base_url={redact_url(self.base_url)!r})"

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        """Make one chat completion call.

        Raises:
            RateLimitError: HTTP 429 (with the server's Retry-After).
            TransientError: 5xx/408, a timeout, a lost connection, or a 200 that is not a
                chat completion.
            ContextLengthError: the endpoint says the prompt does not fit.
            ProviderError: any other refusal (401, 404, a 400 about the request).
        """
        kwargs = self._kwargs(request)
        try:
            data = await self._post(kwargs)
        except _Refused as exc:
            data = await self._retry_plain(kwargs, exc)
        return completion_from_json(data, request, self.model)

    async def _retry_plain(self, kwargs: dict[str, Any], exc: _Refused) -> Any:
        """Ask again without structured output / logprobs, which many endpoints reject.

        A feature is marked unsupported only when the call then succeeds, so an unrelated
        400 (say, a too-long prompt) does not switch features off for later calls.
        """
        dropped = optional_features(kwargs, exc.message)
        if not dropped:
            raise self._status_error(exc) from None
        plain = {k: v for k, v in kwargs.items() if k not in dropped}
        try:
            data = await self._post(plain)
        except _Refused as again:
            raise self._status_error(again) from None
        self._schema_ok = self._schema_ok and "response_format" not in dropped
        self._logprobs_ok = self._logprobs_ok and "logprobs" not in dropped
        return data

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()

    async def _post(self, kwargs: dict[str, Any]) -> Any:
        """POST one request; the decoded JSON of a 2xx answer.

        Raises:
            _Refused: HTTP 400, for `generate` to read.
            ProviderError: any other failure, already mapped.
        """
        body = {k: v for k, v in kwargs.items() if k != "extra_body"} | kwargs.get("extra_body", {})
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            async with self._client.get().post(self._url, data=payload,
                                               proxy=self._proxy) as response:
                raw = await response.read()
                status = response.status
                headers = {k.lower(): v for k, v in response.headers.items()}
        except TimeoutError:
            raise TransientError(f"{self.model}: no answer within {self.timeout:g} s") from None
        except aiohttp.ClientError as exc:
            text = f"{self.model}: {type(exc).__name__}: {exc}"
            raise TransientError(self._scrub(text)) from None
        if status >= 400:
            message = self._scrub(f"{self.model}: HTTP {status}: {error_text(raw)}")
            if status == 400:
                raise _Refused(message, status, headers)
            raise from_status(message, status, headers)
        try:
            return json.loads(raw)
        except ValueError:
            raise TransientError(self._scrub(
                f"{self.model}: malformed response (HTTP {status}, not JSON: "
                f"{raw[:200].decode('utf-8', 'replace')!r})")) from None

    def _new_client(self) -> Any:
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "User-Agent": "evalign"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        # No pool cap: the runner's limiter bounds the calls in flight. No trust_env: it
        # reads ~/.netrc in a thread on every request; the proxy is looked up once instead.
        return aiohttp.ClientSession(
            headers=headers,
            connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=300),
            timeout=aiohttp.ClientTimeout(total=self.timeout),
        )

    def _kwargs(self, request: GenerateRequest) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"model": self.name, "messages": request.messages}
        extra = {k: v for k, v in request.params.items() if k not in _API_PARAMS}
        kwargs.update({k: v for k, v in request.params.items() if k in _API_PARAMS})
        if extra:
            kwargs["extra_body"] = extra
        if request.json_schema is not None and self._schema_ok:
            kwargs["response_format"] = response_format(request.json_schema)
        if request.choices and self._logprobs_ok:
            kwargs["logprobs"] = True
            kwargs["top_logprobs"] = TOP_LOGPROBS
        return kwargs

    def _status_error(self, exc: _Refused) -> ProviderError:
        return from_status(exc.message, exc.status, exc.headers)

    def _scrub(self, text: str) -> str:
        return scrub(text, [self._key])


def completions_url(base_url: str, *, has_key: bool) -> str:
    """`{base_url}/chat/completions`, keeping a query string (Azure's `api-version`).

    Credentials in the URL are dropped when an API key is sent: one request carries one
    Authorization header. Without a key they stay, and are sent as HTTP basic auth.
    """
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base_url)
    netloc = parts.netloc.rsplit("@", 1)[-1] if has_key else parts.netloc
    path = parts.path.rstrip("/") + "/chat/completions"
    return urlunsplit((parts.scheme, netloc, path, parts.query, ""))


def proxy_for(url: str) -> str | None:
    """The proxy the environment names for `url` (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY)."""
    from urllib.parse import urlsplit
    from urllib.request import getproxies_environment, proxy_bypass

    parts = urlsplit(url)
    proxies = getproxies_environment()
    if not parts.hostname or proxy_bypass(parts.hostname):
        return None
    return proxies.get(parts.scheme) or proxies.get("all") or None


def error_text(raw: bytes) -> str:
    """What an error body says: `error.message` of OpenAI-shaped JSON, else the text itself."""
    text = raw.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:_ERROR_TEXT_CHARS] or "(empty body)"
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    if isinstance(message, str) and message:
        return message[:_ERROR_TEXT_CHARS]
    return text[:_ERROR_TEXT_CHARS]


def _detach(session: Any) -> None:
    """Let go of a session whose event loop has ended, without awaiting anything on it."""
    connector = getattr(session, "connector", None)
    session.detach()
    if connector is not None and not connector.closed:
        connector._close()  # sync, unlike close(): its loop has ended, nothing can be awaited
