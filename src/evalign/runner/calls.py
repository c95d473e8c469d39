"""The model wrapper the runner hands to judges: limits, retries and the cache, once.

`ManagedModel` is itself a `ModelAPI`, so scorers (prompt, pairwise, decomposed) stay unaware of
it. What happens inside — calls made, answers served from the cache — is counted on the
`CallStats` of the current asyncio task (a context variable), which `judge_one` turns into the
verdict's `attempts` and `cached` fields. The wrapper also remembers when the answers it served
from the cache were first answered (`CacheUse`), so a run served from the cache can say so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from evalign.items import Item
from evalign.judges.code import CodeJudges
from evalign.judges.scorer import score_item
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.providers.base import (
    GenerateRequest,
    GenerateResult,
    ModelAPI,
    cache_extra_of,
    endpoint_of,
)
from evalign.providers.pricing import PriceTable, price_table
from evalign.runner.cache import AnswerCache, CacheHit, cache_key
from evalign.runner.limits import AdaptiveLimiter
from evalign.runner.retry import RetryPolicy, call_with_retry

GROWTH_CAP = 256  # most calls in flight when the concurrency adapts on its own


@dataclass
class CallStats:
    """What one item's scoring cost: provider calls (retries included) and cache hits, with
    the tokens of the answers the hits served (reused, so not spent again)."""

    calls: int = 0
    cached: int = 0
    cached_prompt_tokens: int = 0
    cached_completion_tokens: int = 0


@dataclass
class CacheUse:
    """The answers a managed model served from the cache: how many, and when they were cached."""

    hits: int = 0
    oldest: datetime | None = None
    newest: datetime | None = None

    def add(self, hit: CacheHit) -> None:
        """Count one hit."""
        self.hits += 1
        if hit.cached_at is not None:
            self.oldest = min(self.oldest or hit.cached_at, hit.cached_at)
            self.newest = max(self.newest or hit.cached_at, hit.cached_at)


_stats: ContextVar[CallStats | None] = ContextVar("evalign_call_stats", default=None)
_use_cache: ContextVar[bool] = ContextVar("evalign_use_cache", default=True)
_sample: ContextVar[int] = ContextVar("evalign_sample", default=0)


@contextmanager
def counting(stats: CallStats) -> Iterator[CallStats]:
    """Count the managed calls made inside this block (and tasks it starts) on `stats`."""
    token = _stats.set(stats)
    try:
        yield stats
    finally:
        _stats.reset(token)


class ManagedModel:
    """A `ModelAPI` that adds bounded adaptive concurrency, retries and the answer cache.

    Args:
        inner: the provider.
        concurrency: the most calls in flight, fixed (default: start at the provider's
            `max_concurrency` and grow while it accepts, up to GROWTH_CAP).
        policy: the retry policy.
        cache: the answer cache, or None for none.
    """

    def __init__(self, inner: ModelAPI, *, concurrency: int | None = None,
                 policy: RetryPolicy | None = None, cache: AnswerCache | None = None):
        self.inner = inner
        self.model = inner.model
        start = concurrency or inner.max_concurrency
        # Asked for a number: keep to it. Else start at the provider's default and let the
        # limiter find what the provider accepts (an in-process model stays at its own 1).
        self.max_concurrency = start if concurrency or start <= 1 else max(start, GROWTH_CAP)
        self.limiter = AdaptiveLimiter(self.max_concurrency, start=start)
        self.policy = policy or RetryPolicy()
        self.cache = cache
        self.cache_use = CacheUse()

    @cached_property
    def prices(self) -> PriceTable:
        """The price table for this model's calls, read once (see `price_table`)."""
        return price_table()

    @cached_property
    def endpoint(self) -> str:
        """What serves the model (read once: for a local model file it is a sha256)."""
        return endpoint_of(self.inner)

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        """Answer from the cache when allowed, else call the provider with retries."""
        stats = _stats.get() or CallStats()
        key = None
        if self.cache is not None and _use_cache.get():
            key = cache_key(self.model, request, endpoint=self.endpoint, sample=_sample.get(),
                            extra=cache_extra_of(self.inner, request))
            hit = self.cache.lookup(key)
            if hit is not None:
                stats.cached += 1
                stats.cached_prompt_tokens += hit.result.prompt_tokens or 0
                stats.cached_completion_tokens += hit.result.completion_tokens or 0
                self.cache_use.add(hit)
                return hit.result

        async def once() -> GenerateResult:
            stats.calls += 1
            return await self.inner.generate(request)

        result, _attempts = await call_with_retry(once, self.policy, self.limiter)
        if key is not None and self.cache is not None:
            self.cache.put(key, self.model, result, endpoint=self.endpoint)
        return result

    async def aclose(self) -> None:
        """Close the provider."""
        await self.inner.aclose()


async def judge_one(spec: JudgeSpec, item: Item, model: ManagedModel | None, *,
                    code_judges: CodeJudges | None = None, use_cache: bool = True,
                    sample: int = 0) -> tuple[Verdict, CallStats]:
    """Score one item through the managed model and fill in its call accounting.

    `sample` numbers the repeats of one item; each sample has its own cache entries.
    """
    stats = CallStats()
    stats_token = _stats.set(stats)
    cache_token = _use_cache.set(use_cache)
    sample_token = _sample.set(sample)
    try:
        verdict = await score_item(spec, item, model, code_judges=code_judges)
    finally:
        _stats.reset(stats_token)
        _use_cache.reset(cache_token)
        _sample.reset(sample_token)
    verdict.item_id = item.id
    verdict.sample = sample
    verdict.attempts = max(1, stats.calls)
    verdict.cached = stats.cached > 0 and stats.calls == 0
    if model is None:
        verdict.cost_usd = 0.0  # a code judge runs here, for free
    elif not verdict.cached:
        # An item whose judge asks several questions may reuse some answers (one checklist
        # per instruction, asked again for each pair): their tokens were not spent again.
        verdict.prompt_tokens = max(0, verdict.prompt_tokens - stats.cached_prompt_tokens)
        verdict.completion_tokens = max(
            0, verdict.completion_tokens - stats.cached_completion_tokens)
        verdict.cost_usd = model.prices.cost(model.model, verdict.prompt_tokens,
                                             verdict.completion_tokens)
    else:
        # Nothing was spent: tokens and cost count what this run used, not what it reused.
        verdict.prompt_tokens = verdict.completion_tokens = 0
        verdict.cost_usd = 0.0
    return verdict, stats
