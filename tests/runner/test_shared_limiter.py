"""The cluster-wide limiter without Ray: an in-loop stand-in for the actor handle.

Workers lease slots from one `SharedLimiter`; whatever the number of workers, the calls in
flight never pass its limit, 429s shrink it as in one process, and a dead attempt's slots are
freed. The stand-in runs each `.remote(...)` as a task on the same loop, as an async actor does.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from evalign.errors import RateLimitError
from evalign.runner.retry import RetryPolicy, call_with_retry
from evalign.runner.shared_limiter import RemoteLimiter, SharedLimiter


class _Method:
    def __init__(self, actor: _Actor, name: str):
        self.actor, self.name = actor, name

    def remote(self, *args: Any) -> asyncio.Future[Any]:
        self.actor.calls[self.name] += 1
        result = getattr(self.actor.body, self.name)(*args)
        if asyncio.iscoroutine(result):
            return asyncio.ensure_future(result)
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        done.set_result(result)
        return done


class _Actor:
    def __init__(self, body: SharedLimiter):
        self.body, self.calls = body, Counter[str]()

    def __getattr__(self, name: str) -> _Method:
        return _Method(self, name)


class _Provider:
    """Counts calls in flight; refuses (429) above `cap` when given."""

    def __init__(self, cap: int | None = None):
        self.cap, self.in_flight, self.peak, self.refused = cap, 0, 0, 0

    async def call(self) -> str:
        self.in_flight += 1
        try:
            if self.cap is not None and self.in_flight > self.cap:
                self.refused += 1
                raise RateLimitError("429", retry_after=0.0)
            self.peak = max(self.peak, self.in_flight)
            await asyncio.sleep(0.002)
            return "ok"
        finally:
            self.in_flight -= 1


async def _work(limiters: list[RemoteLimiter], provider: _Provider, calls: int) -> list[str]:
    policy = RetryPolicy(base_delay=0.001, max_delay=0.01)

    async def one(index: int) -> str:
        result, _ = await call_with_retry(provider.call, policy, limiters[index % len(limiters)])
        return result

    return await asyncio.gather(*(one(i) for i in range(calls)))


def test_many_workers_never_pass_the_shared_limit_and_lease_in_batches() -> None:
    async def scenario() -> tuple[_Actor, _Provider, list[str]]:
        actor = _Actor(SharedLimiter(8))
        provider = _Provider()
        workers = [RemoteLimiter(actor, f"shard-{i}") for i in range(4)]
        results = await _work(workers, provider, 400)
        await asyncio.sleep(0.01)  # the last batched releases arrive
        return actor, provider, results

    actor, provider, results = asyncio.run(scenario())
    assert results == ["ok"] * 400
    assert provider.peak == 8  # four workers, one limit of 8 over all of them
    assert actor.body.limiter.in_flight == 0 and actor.body.acquired == 400
    # Slots were leased and returned in batches, not one round trip per call.
    assert actor.calls["acquire_many"] < 200 and actor.calls["release_many"] < 200


def test_refusals_shrink_the_shared_limit_as_in_one_process() -> None:
    async def scenario() -> tuple[_Actor, _Provider, list[str]]:
        actor = _Actor(SharedLimiter(64, start=16))
        provider = _Provider(cap=6)
        results = await _work([RemoteLimiter(actor, "a"), RemoteLimiter(actor, "b")],
                              provider, 300)
        await asyncio.sleep(0.01)
        return actor, provider, results

    actor, provider, results = asyncio.run(scenario())
    assert results == ["ok"] * 300
    assert provider.refused > 0 and actor.calls["refused"] == provider.refused
    assert actor.body.limiter.limit <= 8 and actor.body.limiter.in_flight == 0


def test_forget_frees_the_slots_of_a_dead_attempt() -> None:
    async def scenario() -> tuple[dict[str, int], int, dict[str, int]]:
        body = SharedLimiter(4)
        for _ in range(3):
            await body.acquire("shard-7")  # held by an attempt whose process then died
        await body.acquire("shard-8")
        held = body.state()
        freed = await body.forget("shard-7")
        return held, freed, body.state()

    held, freed, after = asyncio.run(scenario())
    assert held["in_flight"] == 4 and freed == 3 and after["in_flight"] == 1


def test_a_call_cancelled_while_waiting_takes_no_slot() -> None:
    async def scenario() -> SharedLimiter:
        body = SharedLimiter(1)
        actor = _Actor(body)
        limiter = RemoteLimiter(actor, "s")
        holder_in = asyncio.Event()
        release = asyncio.Event()

        async def holder() -> None:
            async with limiter.slot():
                holder_in.set()
                await release.wait()

        async def waiter() -> None:
            async with limiter.slot():
                pytest.fail("the limit is 1 and the holder has it")

        first = asyncio.create_task(holder())
        await holder_in.wait()
        second = asyncio.create_task(waiter())
        await asyncio.sleep(0.01)
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        release.set()
        await first
        await asyncio.sleep(0.02)
        return body

    body = asyncio.run(scenario())
    assert body.limiter.in_flight == 0



def test_freed_slots_ride_on_the_next_lease() -> None:
    class Spy(SharedLimiter):
        carried = 0

        async def acquire_many(self, owner: str, want: int,
                               done: list[tuple[int, bool]] | None = None
                               ) -> list[tuple[int, int]]:
            self.carried += len(done or [])
            return await super().acquire_many(owner, want, done)

    async def scenario() -> tuple[_Actor, Spy]:
        body = Spy(4)
        actor = _Actor(body)
        limiter = RemoteLimiter(actor, "w")
        for _ in range(3):  # a worker's task: one call, then at once the next
            async with limiter.slot():
                limiter.on_success()
        await asyncio.sleep(0.01)
        return actor, body

    actor, body = asyncio.run(scenario())
    # The slot freed by one call went back with the lease for the next, in one message; only
    # the last went back on its own.
    assert body.carried == 2 and actor.calls["acquire_many"] == 3
    assert actor.calls["release_many"] == 1 and body.limiter.in_flight == 0
    assert body.acquired == 3 and body.limiter.limit == 4


def test_the_limiter_counts_its_cpu_from_its_making_not_its_process_start() -> None:
    sum(i * i for i in range(2_000_000))  # this process has spent well over 50 ms by now
    assert SharedLimiter(4).state()["cpu_ms"] < 50
