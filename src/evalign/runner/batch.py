"""Scoring items in memory, for optimizers: same limits, retries and cache as runs, no run row."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from evalign.items import Item
from evalign.judges.code import CodeJudges
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.providers.base import ModelAPI
from evalign.runner.cache import AnswerCache
from evalign.runner.calls import ManagedModel, judge_one
from evalign.runner.executor import AsyncioExecutor
from evalign.runner.models import resolve_model
from evalign.runner.retry import RetryPolicy
from evalign.runner.summary import count_verdict
from evalign.store import Store


@dataclass
class ScoreBatch:
    """Verdicts in item order, and what producing them cost.

    Attributes:
        verdicts: one per item, in the order the items were given.
        calls: provider calls made (retries included); 0 when everything came from the cache.
        cached: verdicts served entirely from the cache.
        errors: verdicts that are errors.
        prompt_tokens: tokens read, over all calls.
        completion_tokens: tokens written.
        cost_usd: total cost, None when any part of it is unknown.
        seconds: wall-clock time.
    """

    verdicts: list[Verdict] = field(default_factory=list)
    calls: int = 0
    cached: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    seconds: float = 0.0

    def values(self) -> list[object]:
        """The verdict values (None for errors), in item order."""
        return [v.value for v in self.verdicts]


async def score_items(spec: JudgeSpec, items: Sequence[Item], *,
                      model: str | ModelAPI | None = None, concurrency: int | None = None,
                      cache_store: Store | None = None, code_judges: CodeJudges | None = None,
                      policy: RetryPolicy | None = None) -> ScoreBatch:
    """Score `items` with `spec` and return the verdicts in item order.

    Args:
        spec: the judge version's content.
        items: what to score.
        model: a model string or provider (default `spec.model`); pass a provider object to
            reuse it (a local model stays loaded) across many calls.
        concurrency: most calls in flight (default: the provider's own default).
        cache_store: a store whose answer cache to read and fill; None: no cache.
        code_judges: the registry for code judges.
        policy: the retry policy.

    Raises:
        ConfigError: the template names a field an item lacks.
    """
    started = time.perf_counter()
    owned = model is None or isinstance(model, str)
    managed = None
    if spec.kind != "code":
        provider = resolve_model(model if model is not None else spec.model)
        cache = AnswerCache(cache_store) if cache_store is not None else None
        managed = ManagedModel(provider, concurrency=concurrency, policy=policy, cache=cache)
    batch = ScoreBatch(verdicts=[Verdict(value=None)] * len(items))

    async def handle(index: int) -> None:
        verdict, stats = await judge_one(spec, items[index], managed, code_judges=code_judges)
        batch.verdicts[index] = verdict
        count_verdict(batch, verdict, stats.calls)

    workers = managed.max_concurrency if managed else (concurrency or 8)
    try:
        await AsyncioExecutor(workers).map(range(len(items)), handle)
    finally:
        if managed is not None and owned:
            await managed.aclose()
    batch.seconds = time.perf_counter() - started
    return batch

