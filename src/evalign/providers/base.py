"""The one provider contract: an async `generate()` that turns a request into a result.

Retries, concurrency, rate limiting, caching and cost accounting live once, in the runner;
a provider only makes one call and maps its failures onto `evalign.errors`:
`RateLimitError` (429, with `retry_after`), `TransientError` (5xx, timeouts, dropped
connections), or `ProviderError` (anything not worth retrying, e.g. 401).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class GenerateRequest:
    """One call to a model.

    Attributes:
        messages: OpenAI-style chat messages. The constant part of a judge prompt comes first
            so that providers with a prefix cache (the local model) reuse it across items.
        params: sampling parameters (temperature, max_tokens, seed, ...).
        json_schema: a JSON schema the answer must follow, where the provider can enforce it
            (OpenAI-compatible `response_format`, a forced tool on Anthropic, a grammar on the
            local model). Providers whose endpoint refuses it answer in plain text instead and
            remember that for the endpoint.
        choices: when set, the caller wants the probability of each of these strings at the
            verdict position (e.g. ("PASS", "FAIL")); providers that expose
            log-probabilities fill `GenerateResult.choice_probs`.
        choices_key: where the verdict position is. None: the *first* generated token. A JSON
            key (e.g. "verdict"): the first token of that key's value in a JSON answer, so a
            judge can write its reasoning before its verdict and still give p_pass.
        context: the item's fields, for the scripted provider only; never sent to a model.
    """

    messages: list[dict[str, Any]]
    params: Mapping[str, Any] = field(default_factory=dict)
    json_schema: Mapping[str, Any] | None = None
    choices: tuple[str, ...] | None = None
    choices_key: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GenerateResult:
    """What a model answered.

    Attributes:
        text: the raw answer text.
        prompt_tokens: tokens read (None when the provider does not say).
        completion_tokens: tokens written.
        cached_prompt_tokens: prompt tokens served from a prefix cache.
        choice_probs: probability of each requested choice as the first token, renormalized
            over the choices; None when the provider gives no log-probabilities.
    """

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_prompt_tokens: int = 0
    choice_probs: Mapping[str, float] | None = None


@runtime_checkable
class ModelAPI(Protocol):
    """A provider bound to one model."""

    model: str
    """The full model string, `provider/model`."""

    max_concurrency: int
    """Default in-flight calls: 32 for remote providers, 1 for in-process models."""

    # Optional: `endpoint: str`, what serves the model (a base URL without credentials, a model
    # file's sha256, a script). Two servers can serve different models under one name, so the
    # answer cache keys on it; read it through `endpoint_of`.
    # Optional: `cache_extra(request) -> str | None`, what else the answer depends on beyond the
    # messages, parameters and endpoint (the scripted `field:NAME` reads an item field the prompt
    # may not show). The answer cache keys on it too; read it through `cache_extra_of`.

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        """Make one call; raise an `evalign.errors.ProviderError` subclass on failure."""
        ...

    async def aclose(self) -> None:
        """Release connections or model memory."""
        ...


def endpoint_of(model: ModelAPI) -> str:
    """What serves `model`: its `endpoint` attribute, else its class's dotted name.

    A provider without the attribute (a test double, a user's own class) is identified by its
    class, so its answers never share cache entries with another provider's.
    """
    endpoint = getattr(model, "endpoint", None)
    if isinstance(endpoint, str) and endpoint:
        return endpoint
    cls = type(model)
    return f"{cls.__module__}.{cls.__qualname__}"


def cache_extra_of(model: ModelAPI, request: GenerateRequest) -> str | None:
    """What `model`'s answer to `request` depends on beyond what the cache key already holds.

    Returns:
        The provider's `cache_extra(request)`, or None when it has no such method (its answer
        depends on the request's messages, parameters and its endpoint only).
    """
    extra = getattr(model, "cache_extra", None)
    if not callable(extra):
        return None
    value = extra(request)
    return None if value is None else str(value)
