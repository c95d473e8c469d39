"""`litellm/<model>`: any model LiteLLM routes to (extra `[litellm]`), imported lazily.

LiteLLM answers in OpenAI's shape and its exceptions subclass the `openai` SDK's, so results
and errors are read exactly as for `openai/`, and a route that refuses structured output or
log-probabilities is asked again without them and remembered, as there. LiteLLM's own retries
are off (`num_retries=0`).
"""

from __future__ import annotations

from typing import Any

import openai

from evalign.errors import ConfigError, MissingExtraError, ProviderError, TransientError
from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.providers.chat_completions import (
    TOP_LOGPROBS,
    completion_from_json,
    optional_features,
    response_format,
)
from evalign.providers.http_errors import from_status
from evalign.providers.scrub import redact_url, scrub

DEFAULT_TIMEOUT_S = 60.0


class LiteLLMModel:
    """A `ModelAPI` for one LiteLLM model string (e.g. `litellm/groq/llama3-8b-8192`).

    Args:
        name: the LiteLLM model string (the part after `litellm/`).
        timeout: seconds per call before it counts as a TransientError.
        max_concurrency: in-flight calls the runner starts with.
        options: passed to `litellm.acompletion` (e.g. api_base); keys come from the
            environment variables LiteLLM reads.
    """

    def __init__(
        self,
        name: str,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_concurrency: int = 32,
        **options: Any,
    ):
        try:
            import litellm  # noqa: F401
        except ImportError:
            raise MissingExtraError("litellm", "litellm") from None
        if not name:
            raise ConfigError("litellm/<model>: the model name is empty")
        self.model = f"litellm/{name}"
        self.name = name
        self.timeout = timeout
        self.max_concurrency = max_concurrency
        self._options = options
        # LiteLLM picks the server from the model string unless an api_base is given.
        base = options.get("api_base") or options.get("base_url")
        self.endpoint = (redact_url(str(base)) if base else None) or f"litellm:{name}"
        self._secrets = [str(v) for k, v in options.items() if "key" in k.lower()]
        self._refused: set[str] = set()  # optional fields this route refused

    def __repr__(self) -> str:
        return f"LiteLLMModel(model={self.model!r})"

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        """Make one completion call through LiteLLM."""
        kwargs: dict[str, Any] = {**self._options, **request.params}
        if request.json_schema is not None:
            kwargs["response_format"] = response_format(request.json_schema)
        if request.choices:
            kwargs.update(logprobs=True, top_logprobs=TOP_LOGPROBS)
        kwargs = {k: v for k, v in kwargs.items() if k not in self._refused}
        try:
            response = await self._call(request, kwargs)
        except openai.BadRequestError as exc:
            dropped = optional_features(kwargs, exc.message)
            if not dropped:
                raise self._mapped(exc) from None
            try:
                response = await self._call(
                    request, {k: v for k, v in kwargs.items() if k not in dropped})
            except openai.BadRequestError as again:
                raise self._mapped(again) from None
            self._refused |= dropped  # only once the call without them worked
        return completion_from_json(_as_json(response), request, self.model)

    async def _call(self, request: GenerateRequest, kwargs: dict[str, Any]) -> Any:
        """One `litellm.acompletion`; a 400 is raised as it is, for the caller to read."""
        import litellm

        try:
            return await litellm.acompletion(
                model=self.name, messages=request.messages, timeout=self.timeout,
                num_retries=0, **kwargs,
            )
        except openai.BadRequestError:
            raise
        except openai.APIError as exc:
            raise self._mapped(exc) from None
        except (ValueError, TypeError) as exc:
            raise TransientError(f"{self.model}: malformed response ({exc})") from None

    def _mapped(self, exc: openai.APIError) -> ProviderError:
        return map_error(exc, self.model, self.timeout, list(self._secrets))


    async def aclose(self) -> None:
        """Nothing held between calls."""


def map_error(
    exc: openai.APIError, model: str, timeout: float, secrets: list[str | None]
) -> ProviderError:
    """The `evalign.errors` class for an `openai` SDK error (LiteLLM raises those), scrubbed."""
    message = scrub(f"{model}: {exc.message}", secrets)
    if isinstance(exc, openai.APITimeoutError):
        return TransientError(f"{model}: no answer within {timeout:g} s")
    if isinstance(exc, openai.APIConnectionError):
        return TransientError(message)
    if isinstance(exc, openai.APIStatusError):
        return from_status(message, exc.status_code, exc.response.headers)
    return ProviderError(message)


def _as_json(response: Any) -> Any:
    """LiteLLM's `ModelResponse` (a pydantic model in OpenAI's shape) as plain JSON data."""
    dump = getattr(response, "model_dump", None)
    return dump() if callable(dump) else response
