"""`openai/<model>`: any OpenAI-compatible chat endpoint (OpenAI, Azure, vLLM, Ollama, llama.cpp
server, OpenRouter, ...) through the `openai` SDK.

The SDK's own retries are off: the runner owns retries and needs to see every failure, mapped
onto `evalign.errors` (429 -> RateLimitError with Retry-After, 5xx / timeouts / connection
errors -> TransientError, anything else -> ProviderError). The API key is read from the
environment (or given once), handed to the SDK and never kept in reprs or error messages.

Structured output: a request with a JSON schema is sent with `response_format` (strict
`json_schema`). An endpoint that refuses it (HTTP 400 naming response_format / json_schema /
an unsupported parameter) is asked again in plain text, and once the plain call succeeds this
provider object, which is bound to one endpoint and one model, stops sending it; the same
for `logprobs`. The runner holds one provider object per run, so the memory lasts that run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from evalign.errors import ConfigError, ProviderError, TransientError
from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.providers.choices import match_choice, probs_from_top_logprobs, value_position
from evalign.providers.http_errors import from_status
from evalign.providers.loop_client import LoopClient
from evalign.providers.scrub import redact_url, scrub

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_BASE_URL = "https://api.openai.com/v1"  # the SDK's own default
TOP_LOGPROBS = 20  # OpenAI's maximum; enough to hold every verdict token
# What endpoints say when they reject an optional request field rather than the request.
_REFUSAL_WORDS = ("unsupported", "not supported", "unknown parameter", "unrecognized",
                  "not allowed", "not permitted", "extra inputs", "invalid parameter",
                  "does not support")


def _request_options() -> Any:
    """What `chat.completions.create` sends with each call.

    SDKs from before the `security` option (early 2.x, which the litellm extra may pin) add the
    bearer header on every call and do not know the key, so it is sent only where it exists.
    """
    from openai._types import RequestOptions

    if "security" in RequestOptions.__annotations__:
        return {"security": {"bearer_auth": True}}
    return {}


_OPTIONS: Any = _request_options()
_API_PARAMS = frozenset({
    "temperature", "max_tokens", "max_completion_tokens", "top_p", "seed", "stop",
    "frequency_penalty", "presence_penalty", "reasoning_effort", "logit_bias", "user",
})


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
        self._key = key or "unused"  # local servers ignore it; the SDK insists on one
        self._client = LoopClient(self._new_client)
        self._schema_ok = True
        self._logprobs_ok = True

    def __repr__(self) -> str:
        return f"OpenAIModel(model={self.model!r}, base_url={redact_url(self.base_url)!r})"

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        """Make one chat completion call."""
        kwargs = self._kwargs(request)
        try:
            response = await self._call(kwargs)
        except openai.BadRequestError as exc:
            response = await self._retry_plain(kwargs, exc)
        except openai.APIError as exc:
            raise self._mapped(exc) from None
        return self._result(response, request)

    async def _retry_plain(self, kwargs: dict[str, Any], exc: openai.BadRequestError) -> Any:
        """Ask again without structured output / logprobs, which many endpoints reject.

        A feature is marked unsupported only when the call then succeeds, so an unrelated
        400 (say, a too-long prompt) does not switch features off for later calls.
        """
        dropped = optional_features(kwargs, exc.message)
        if not dropped:
            raise self._mapped(exc) from None
        plain = {k: v for k, v in kwargs.items() if k not in dropped}
        try:
            response = await self._call(plain)
        except openai.APIError as again:
            raise self._mapped(again) from None
        self._schema_ok = self._schema_ok and "response_format" not in dropped
        self._logprobs_ok = self._logprobs_ok and "logprobs" not in dropped
        return response

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()

    async def _call(self, kwargs: dict[str, Any]) -> Any:
        body = {k: v for k, v in kwargs.items() if k != "extra_body"} | kwargs.get("extra_body", {})
        try:
            # The request body is plain JSON already: posting it skips the SDK's per-call
            # walk of it against its TypedDicts (~0.5 ms of CPU per call), nothing else.
            return await self._client.get().post(
                "/chat/completions", body=body, cast_to=ChatCompletion, options=_OPTIONS)
        except (ValueError, TypeError) as exc:  # a 200 whose body is not a completion
            raise TransientError(f"{self.model}: malformed response ({exc})") from None

    def _new_client(self) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            api_key=self._key, base_url=self.base_url, timeout=self.timeout, max_retries=0
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

    def _result(self, response: Any, request: GenerateRequest) -> GenerateResult:
        return completion_result(response, request, self.model)

    def _mapped(self, exc: openai.APIError) -> ProviderError:
        return map_error(exc, self.model, self.timeout, [self._key])


def completion_result(response: Any, request: GenerateRequest, model: str) -> GenerateResult:
    """A `GenerateResult` from an OpenAI-shaped chat completion (also LiteLLM's)."""
    if not getattr(response, "choices", None):
        raise TransientError(f"{model}: the response has no choices")
    choice = response.choices[0]
    usage = getattr(response, "usage", None)
    details = getattr(usage, "prompt_tokens_details", None)
    return GenerateResult(
        text=choice.message.content or "",
        prompt_tokens=getattr(usage, "prompt_tokens", None),
        completion_tokens=getattr(usage, "completion_tokens", None),
        cached_prompt_tokens=getattr(details, "cached_tokens", None) or 0,
        choice_probs=_choice_probs(choice, request) if request.choices else None,
    )


def response_format(schema: Mapping[str, Any]) -> dict[str, Any]:
    """OpenAI's structured-output request field for a verdict JSON schema (also LiteLLM's)."""
    return {"type": "json_schema",
            "json_schema": {"name": "verdict", "strict": True, "schema": dict(schema)}}


def map_error(
    exc: openai.APIError, model: str, timeout: float, secrets: list[str | None]
) -> ProviderError:
    """The `evalign.errors` class for an `openai` SDK error, with keys scrubbed."""
    message = scrub(f"{model}: {exc.message}", secrets)
    if isinstance(exc, openai.APITimeoutError):
        return TransientError(f"{model}: no answer within {timeout:g} s")
    if isinstance(exc, openai.APIConnectionError):
        return TransientError(message)
    if isinstance(exc, openai.APIStatusError):
        return from_status(message, exc.status_code, exc.response.headers)
    return ProviderError(message)


def optional_features(kwargs: Mapping[str, Any], message: str) -> set[str]:
    """The optional request fields to drop after a 400 (also LiteLLM's).

    The one the error names; all of them when it only says a parameter is unsupported; none
    when it says something else (a too-long prompt), so such a 400 is not asked twice.
    """
    present = {"response_format", "logprobs", "top_logprobs"} & set(kwargs)
    text = message.lower()
    if "logprob" in text:
        return present & {"logprobs", "top_logprobs"}
    if any(word in text for word in ("response_format", "json_schema", "schema", "structured",
                                     "guided")):
        return present & {"response_format"}
    if any(word in text for word in _REFUSAL_WORDS):
        return present
    return set()


def _choice_probs(choice: Any, request: GenerateRequest) -> Mapping[str, float] | None:
    """Choice probabilities at the verdict position (see `GenerateRequest.choices_key`)."""
    choices = request.choices or ()
    content = getattr(getattr(choice, "logprobs", None), "content", None) or []
    if request.choices_key is not None:
        index = value_position((p.token for p in content), request.choices_key)
        content = content[index:index + 1] if index is not None else []
    for position in content:
        if match_choice(position.token, choices) is not None:
            top = {t.token: t.logprob for t in position.top_logprobs or []}
            top.setdefault(position.token, position.logprob)
            return probs_from_top_logprobs(top, choices)
    return None
