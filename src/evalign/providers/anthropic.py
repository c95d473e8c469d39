"""`anthropic/<model>`: the Anthropic Messages API (extra `[anthropic]`), imported lazily.

System messages become the `system` parameter; a JSON schema is enforced by forcing one tool
whose input is the schema (the answer text is that input as JSON). An endpoint that refuses
tools (an HTTP 400 naming them; some Messages-compatible servers do) is asked again without,
and once that succeeds this provider object (one endpoint, one model) stops sending them.
Anthropic gives no log-probabilities, so `choice_probs` stays None. SDK retries are off: the
runner retries.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
from typing import Any

from evalign.errors import (
    ConfigError,
    MissingExtraError,
    ProviderError,
    TransientError,
)
from evalign.items import as_text
from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.providers.http_errors import from_status
from evalign.providers.loop_client import LoopClient
from evalign.providers.scrub import redact_url, scrub

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_TOKENS = 1024
DEFAULT_BASE_URL = "https://api.anthropic.com"  # the SDK's own default
_SAMPLING = frozenset({"temperature", "top_p", "top_k", "metadata"})


class AnthropicModel:
    """A `ModelAPI` for one Anthropic model.

    Args:
        name: the model name (the part after `anthropic/`).
        base_url: API base URL (default: `ANTHROPIC_BASE_URL`, else Anthropic's).
        api_key: the key (default: `ANTHROPIC_API_KEY`).
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
        try:
            import anthropic  # noqa: F401
        except ImportError:
            raise MissingExtraError("anthropic", "anthropic") from None
        if not name:
            raise ConfigError("anthropic/<model>: the model name is empty")
        self.model = f"anthropic/{name}"
        self.name = name
        self.base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        self.endpoint = redact_url(self.base_url or DEFAULT_BASE_URL) or DEFAULT_BASE_URL
        self._key = api_key or os.environ.get("ANTHROPIC_API_KEY")
        if not self._key:
            raise ConfigError(f"{self.model}: set ANTHROPIC_API_KEY")
        self.timeout = timeout
        self.max_concurrency = max_concurrency
        self._client: LoopClient[Any] = LoopClient(self._new_client)
        self._tools_ok = True

    def __repr__(self) -> str:
        return f"AnthropicModel(model={self.model!r}, base_url={redact_url(self.base_url)!r})"

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        """Make one Messages API call."""
        import anthropic

        kwargs = self._kwargs(request)
        try:
            response = await self._client.get().messages.create(**kwargs)
        except anthropic.BadRequestError as exc:
            response = await self._without_tools(kwargs, exc)
        except anthropic.APIError as exc:
            raise self._mapped(exc) from None
        usage = response.usage
        return GenerateResult(
            text=_text(response),
            prompt_tokens=usage.input_tokens,
            completion_tokens=usage.output_tokens,
            cached_prompt_tokens=getattr(usage, "cache_read_input_tokens", None) or 0,
        )

    async def _without_tools(self, kwargs: dict[str, Any], exc: Exception) -> Any:
        """Ask again in plain text when the endpoint refused the forced tool.

        Tools are switched off for later calls only when the plain call then succeeds, so an
        unrelated 400 (a too-long prompt) changes nothing.
        """
        import anthropic

        if "tools" not in kwargs or "tool" not in str(getattr(exc, "message", exc)).lower():
            raise self._mapped(exc) from None
        plain = {k: v for k, v in kwargs.items() if k not in ("tools", "tool_choice")}
        try:
            response = await self._client.get().messages.create(**plain)
        except anthropic.APIError as again:
            raise self._mapped(again) from None
        self._tools_ok = False
        return response

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()

    def _new_client(self) -> Any:
        import anthropic

        return anthropic.AsyncAnthropic(
            api_key=self._key, base_url=self.base_url, timeout=self.timeout, max_retries=0
        )

    def _kwargs(self, request: GenerateRequest) -> dict[str, Any]:
        system = "\n\n".join(
            as_text(m.get("content")) for m in request.messages if m.get("role") == "system"
        )
        kwargs: dict[str, Any] = {
            "model": self.name,
            "messages": [m for m in request.messages if m.get("role") != "system"],
            "max_tokens": int(request.params.get("max_tokens", DEFAULT_MAX_TOKENS)),
        }
        # SDK releases differ in which sampling arguments create() names; the API takes them
        # all, so whatever this SDK does not name travels in the body.
        named = _create_arguments()
        for key, value in request.params.items():
            if key in _SAMPLING and key in named:
                kwargs[key] = value
            elif key in _SAMPLING:
                kwargs.setdefault("extra_body", {})[key] = value
        if "stop" in request.params:
            stop = request.params["stop"]
            kwargs["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
        if system:
            kwargs["system"] = system
        if request.json_schema is not None and self._tools_ok:
            kwargs["tools"] = [{"name": "answer", "description": "Give the answer.",
                                "input_schema": dict(request.json_schema)}]
            kwargs["tool_choice"] = {"type": "tool", "name": "answer"}
        return kwargs

    def _mapped(self, exc: Exception) -> ProviderError:
        import anthropic

        message = scrub(f"{self.model}: {getattr(exc, 'message', exc)}", [self._key])
        if isinstance(exc, anthropic.APITimeoutError):
            return TransientError(f"{self.model}: no answer within {self.timeout:g} s")
        if isinstance(exc, anthropic.APIConnectionError):
            return TransientError(message)
        if isinstance(exc, anthropic.APIStatusError):
            return from_status(message, exc.status_code, exc.response.headers)
        return ProviderError(message)


@functools.cache
def _create_arguments() -> frozenset[str]:
    from anthropic.resources.messages import AsyncMessages

    return frozenset(inspect.signature(AsyncMessages.create).parameters)


def _text(response: Any) -> str:
    parts: list[str] = []
    for block in response.content:
        if block.type == "tool_use":
            return json.dumps(block.input, ensure_ascii=False)
        if block.type == "text":
            parts.append(block.text)
    return "".join(parts)
