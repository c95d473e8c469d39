"""Retries, rate limits, timeouts and adaptive concurrency, against a misbehaving provider."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from evalign.errors import ProviderError, RateLimitError, TransientError
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.runner import RetryPolicy, score_items
from evalign.runner.limits import AdaptiveLimiter

FAST = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.01, timeout=0.2)
SPEC = JudgeSpec(prompt="Judge: {response}", model="test/flaky")


class Flaky:
    """A provider whose first answers per item follow a script of failures."""

    model = "test/flaky"

    def __init__(self, script: list[str], max_concurrency: int = 8):
        self.script = script
        self.max_concurrency = max_concurrency
        self.seen: Counter[str] = Counter()
        self.in_flight = 0
        self.peak = 0

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        key = str(request.context["response"])
        step = self.script[self.seen[key]] if self.seen[key] < len(self.script) else "ok"
        self.seen[key] += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(0.002)
            if step == "429":
                raise RateLimitError("429 Too Many Requests", retry_after=0.001)
            if step == "500":
                raise TransientError("500 Internal Server Error")
            if step == "hang":
                await asyncio.sleep(5)
            if step == "401":
                raise ProviderError("401 Unauthorized")
            return GenerateResult(text="PASS\nfine", prompt_tokens=10, completion_tokens=2)
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        pass


ITEMS = [Item(inputs={}, output=f"answer {i}", id=i) for i in range(12)]


def test_transient_failures_and_429s_are_retried() -> None:
    model = Flaky(["429", "500", "hang"])
    batch = asyncio.run(score_items(SPEC, ITEMS, model=model, policy=FAST))
    assert batch.errors == 0
    assert batch.values() == ["pass"] * len(ITEMS)
    assert all(v.attempts == 4 for v in batch.verdicts)
    assert batch.calls == 4 * len(ITEMS)


def test_exhausted_retries_become_error_verdicts() -> None:
    model = Flaky(["500"] * 10)
    batch = asyncio.run(score_items(SPEC, ITEMS[:3], model=model, policy=FAST))
    assert batch.errors == 3
    assert {v.error_kind for v in batch.verdicts} == {"transient"}
    assert all(v.value is None and v.attempts == 4 for v in batch.verdicts)


def test_permanent_errors_are_not_retried() -> None:
    model = Flaky(["401"])
    batch = asyncio.run(score_items(SPEC, ITEMS[:2], model=model, policy=FAST))
    assert [v.error for v in batch.verdicts] == ["401 Unauthorized"] * 2
    assert all(v.attempts == 1 for v in batch.verdicts)


def test_concurrency_is_bounded() -> None:
    model = Flaky([], max_concurrency=32)
    asyncio.run(score_items(SPEC, ITEMS, model=model, concurrency=3, policy=FAST))
    assert model.peak <= 3


def test_limiter_halves_on_429_and_grows_back() -> None:
    limiter = AdaptiveLimiter(8)
    limiter.on_rate_limited()
    limiter.on_rate_limited()
    assert limiter.limit == 2
    for _ in range(2):
        limiter.on_success()
    assert limiter.limit == 3
    limiter.on_rate_limited()
    limiter.on_rate_limited()
    limiter.on_rate_limited()
    assert limiter.limit == 1
    for _ in range(100):
        limiter.on_success()
    assert limiter.limit == 8


def test_a_burst_of_429s_halves_the_limit_once() -> None:
    limiter = AdaptiveLimiter(32)
    epoch = limiter.epoch
    for _ in range(20):  # twenty calls in flight together all get a 429
        limiter.on_rate_limited(epoch)
    assert limiter.limit == 16
    limiter.on_rate_limited(limiter.epoch)  # a call started after the decrease
    assert limiter.limit == 8


def test_rate_limits_have_their_own_budget() -> None:
    model = Flaky(["429"] * 8)  # more 429s than the failure budget of 4 attempts
    batch = asyncio.run(score_items(SPEC, ITEMS[:3], model=model, policy=FAST))
    assert batch.errors == 0 and all(v.attempts == 9 for v in batch.verdicts)


@pytest.mark.parametrize("attempt", [1, 3, 10])
def test_backoff_is_bounded_with_jitter(attempt: int) -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    delays = {policy.backoff(attempt) for _ in range(20)}
    ceiling = min(4.0, 0.5 * 2 ** (attempt - 1))
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(delays) > 1


def test_cost_is_priced_per_model_and_unknown_stays_unknown() -> None:
    priced = Flaky([])
    priced.model = "openai/gpt-4o-mini"
    batch = asyncio.run(score_items(SPEC, ITEMS[:2], model=priced, policy=FAST))
    assert batch.cost_usd is not None and batch.cost_usd > 0
    unknown = asyncio.run(score_items(SPEC, ITEMS[:2], model=Flaky([]), policy=FAST))
    assert unknown.cost_usd is None and unknown.verdicts[0].cost_usd is None
