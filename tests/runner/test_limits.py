"""The adaptive limiter's rule, call by call: slow start, the cut below a refused level, halving
for a far lower budget, probing the cap; the shared (cluster) limiter follows the same rule.

Calls are opened and answered in an order the test writes down, on one event loop, so every
figure is exact: no timing, no provider.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any

from evalign.runner.limits import MAX_PROBE_WAIT, AdaptiveLimiter
from evalign.runner.shared_limiter import SharedLimiter


class Calls:
    """Calls in flight under a limiter, answered oldest first, as `call_with_retry` does."""

    def __init__(self, limiter: AdaptiveLimiter):
        self.limiter = limiter
        self.held: list[tuple[AbstractAsyncContextManager[int], int]] = []

    @property
    def free(self) -> int:
        return self.limiter.limit - self.limiter.in_flight

    async def start(self, n: int) -> None:
        assert n <= self.free, f"only {self.free} slots free, {n} asked"
        for _ in range(n):
            slot = self.limiter.slot()
            self.held.append((slot, await slot.__aenter__()))

    async def fill(self) -> int:
        """Start as many calls as the limit allows; returns how many."""
        n = max(0, self.free)
        await self.start(n)
        return n

    async def succeed(self, n: int) -> None:
        for slot, _ in self._take(n):
            self.limiter.on_success()  # while holding the slot
            await slot.__aexit__(None, None, None)

    async def refuse(self, n: int) -> None:
        for slot, epoch in self._take(n):
            await slot.__aexit__(None, None, None)  # the slot is freed first
            self.limiter.on_rate_limited(epoch)

    async def round_trip(self) -> None:
        """Fill the limit, then every call in flight goes through."""
        await self.fill()
        await self.succeed(len(self.held))

    def _take(self, n: int) -> list[tuple[AbstractAsyncContextManager[int], int]]:
        taken, self.held = self.held[:n], self.held[n:]
        return taken


def run(scenario: Callable[[Calls], Coroutine[Any, Any, None]], limiter: AdaptiveLimiter) -> Calls:
    calls = Calls(limiter)
    asyncio.run(scenario(calls))
    return calls


async def overshoot_a_cap_of_64(calls: Calls) -> None:
    """Slow start from 32 (32 -> 48 -> 72), then a provider that admits 64 refuses 8."""
    await calls.round_trip()
    await calls.round_trip()
    assert calls.limiter.limit == 72
    await calls.start(72)
    await calls.refuse(8)


def test_slow_start_grows_by_half_a_limit_per_round_trip_up_to_the_ceiling() -> None:
    limits: list[int] = []

    async def scenario(calls: Calls) -> None:
        for _ in range(7):
            await calls.round_trip()
            limits.append(calls.limiter.limit)

    run(scenario, AdaptiveLimiter(256, start=32))
    assert limits == [48, 72, 108, 162, 243, 256, 256]


def test_a_slow_start_overshoot_is_cut_to_what_the_provider_accepted() -> None:
    seen: list[int] = []

    async def scenario(calls: Calls) -> None:
        await calls.start(32)
        await calls.succeed(32)
        await calls.start(48)
        await calls.succeed(48)
        await calls.start(72)
        await calls.refuse(1)
        seen.append(calls.limiter.limit)  # refused with 72 in flight: 71
        seen.append(calls.free)  # no call starts while the burst's answers come in
        await calls.refuse(7)
        seen.append(calls.limiter.limit)
        seen.append(calls.limiter.in_flight)

    calls = run(scenario, AdaptiveLimiter(256, start=32))
    assert seen == [71, 0, 64, 64]
    assert not calls.limiter.slow_start


def test_a_refused_probe_cuts_by_one_and_waits_longer_before_the_next() -> None:
    limits: list[int] = []

    async def scenario(calls: Calls) -> None:
        await overshoot_a_cap_of_64(calls)
        await calls.succeed(64)  # one round trip at the cap: probe one more
        limits.append(calls.limiter.limit)
        for wait in (2, 4):
            await calls.fill()
            await calls.refuse(1)  # the probe is refused: back to the cap
            limits.append(calls.limiter.limit)
            await calls.succeed(64)
            for _ in range(wait - 2):
                await calls.round_trip()
            limits.append(calls.limiter.limit)  # not yet: `wait` round trips per probe
            await calls.round_trip()
            limits.append(calls.limiter.limit)

    run(scenario, AdaptiveLimiter(256, start=32))
    assert limits == [65, 64, 64, 65, 64, 64, 65]


async def one_at_a_time(calls: Calls, successes: int) -> None:
    """Keep the limit full while `successes` calls go through one by one."""
    for _ in range(successes):
        await calls.fill()
        await calls.succeed(1)


def test_theprobe_wait_is_bounded_and_shrinks_once_a_probe_holds() -> None:
    limiter = AdaptiveLimiter(256, start=32)
    waits: list[int] = []

    async def scenario(calls: Calls) -> None:
        await overshoot_a_cap_of_64(calls)
        await calls.succeed(64)
        for _ in range(5):  # every probe refused
            await calls.fill()
            await calls.refuse(1)
            waits.append(limiter.probe_wait)
            while limiter.limit == 64:
                await one_at_a_time(calls, 1)
        await one_at_a_time(calls, 65 * MAX_PROBE_WAIT)  # the probe at 65 held its wait

    run(scenario, limiter)
    assert waits == [2, 4, MAX_PROBE_WAIT, MAX_PROBE_WAIT, MAX_PROBE_WAIT]
    assert limiter.limit == 66 and limiter.probe_wait == MAX_PROBE_WAIT // 2


async def refused_in_a_freed_slot(calls: Calls) -> int:
    """The oldest call goes through; the call started in its slot is refused at once."""
    await calls.succeed(1)
    await calls.start(1)
    calls.held.insert(0, calls.held.pop())
    await calls.refuse(1)
    return calls.limiter.limit


def test_leftovers_of_the_overshoot_cut_by_one_then_a_budget_halves() -> None:
    limits: list[int] = []

    async def scenario(calls: Calls) -> None:
        await overshoot_a_cap_of_64(calls)
        for _ in range(3):
            limits.append(await refused_in_a_freed_slot(calls))
        assert calls.free < 0  # nothing starts until the calls in flight drain below 31

    run(scenario, AdaptiveLimiter(256, start=32))
    # Two refusals soon after slow start's cut are taken as its leftovers (the calls counted
    # in flight at the cut included some on their way to a refusal); the third as a budget
    # far below the calls in flight.
    assert limits == [63, 62, 31]


def test_a_budget_that_starts_refusing_mid_run_halves_after_one_cut() -> None:
    limits: list[int] = []

    async def scenario(calls: Calls) -> None:
        await overshoot_a_cap_of_64(calls)
        await calls.succeed(64)  # a round trip without a refusal: the overshoot has settled
        await calls.fill()
        for _ in range(2):
            limits.append(await refused_in_a_freed_slot(calls))

    run(scenario, AdaptiveLimiter(256, start=32))
    # Refused a round trip after the last cut: just below the level; refused again at once:
    # half.
    assert limits == [64, 32]


def test_one_refusal_never_takes_more_than_half() -> None:
    async def scenario(calls: Calls) -> None:
        await calls.round_trip()
        await calls.start(1)
        await calls.refuse(1)  # a lone call refused (the others wait on Retry-After)

    calls = run(scenario, AdaptiveLimiter(256, start=32))
    assert calls.limiter.limit == 24


def test_the_shared_limiter_follows_the_same_rule() -> None:
    async def shared() -> list[int]:
        body = SharedLimiter(256, start=32)
        limits = []
        for level in (32, 48):
            grants = [await body.acquire("shard") for _ in range(level)]
            await body.release_many([(token, True) for token, _ in grants])
        grants = [await body.acquire("shard") for _ in range(72)]
        for token, epoch in grants[:8]:
            await body.refused(token, epoch)
            limits.append(body.limiter.limit)
        return limits

    in_process = AdaptiveLimiter(256, start=32)
    run(overshoot_a_cap_of_64, in_process)
    assert asyncio.run(shared()) == list(range(71, 63, -1))
    assert in_process.limit == 64
