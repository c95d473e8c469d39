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
        json_schema: a JSON schema the answer must follow, where the provider can enforce it.
        choices: when set, the caller wants the probability of each of these strings as the
            *first* generated token (e.g. ("PASS", "FAIL")); providers that expose
            log-probabilities fill `GenerateResult.choice_probs`.
        context: the item's fields, for the scripted provider only; never sent to a model.
    """

    messages: list[dict[str, Any]]
    params: Mapping[str, Any] = field(default_factory=dict)
    json_schema: Mapping[str, Any] | None = None
    choices: tuple[str, ...] | None = None
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

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        """Make one call; raise an `evalign.errors.ProviderError` subclass on failure."""
        ...

    async def aclose(self) -> None:
        """Release connections or model memory."""
        ...
