"""Adaptive concurrency: at most `limit` model calls in flight, AIMD-style.

A 429 halves the limit (multiplicative decrease, never below 1) — once per burst: 429s from
calls that were already in flight before the last decrease do not shrink it again. Every `limit`
successful calls in a row raise it by one (additive increase) up to the ceiling.

A limiter may start below its ceiling (the runner's default: 32 for remote providers, growing
up to 256). It then probes like TCP's slow start, each success adding one (the limit doubles
per round trip), until the first 429. Halving would then leave a provider that caps calls in
flight (say at 64) used at half its cap for dozens of round trips, so a growing limiter backs
off to 7/8 of the calls in flight when refused, and halves them only when refused again
within about half a round trip of the last decrease (fewer successes since than half the
calls in flight): a cap far below, as with a requests-per-minute budget, is still found in a
few bursts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class AdaptiveLimiter:
    """Bounds in-flight calls and adapts the bound to what the provider accepts.

    Args:
        ceiling: the most calls ever in flight at once.
        start: the limit to start from (default: the ceiling).
    """

    def __init__(self, ceiling: int, start: int | None = None):
        self.ceiling = max(1, int(ceiling))
        self.limit = min(self.ceiling, max(1, int(start))) if start else self.ceiling
        self.growing = self.limit < self.ceiling
        self.slow_start = self.growing  # until the first 429: +1 per success
        self.in_flight = 0
        self._streak = 0
        self._since_decrease = 0
        self._burst = (0, 0)  # calls in flight at the last mild decrease, 429s of that burst
        self.epoch = 0
        self._changed: asyncio.Condition | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def _condition(self) -> asyncio.Condition:
        # Created lazily, per event loop: the limiter may be built outside a loop and reused by
        # successive `asyncio.run` calls (the sync `Judge.score`).
        loop = asyncio.get_running_loop()
        if self._changed is None or self._loop is not loop:
            self._changed, self._loop = asyncio.Condition(), loop
            self.in_flight = 0
        return self._changed

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[int]:
        """Hold one in-flight slot for the duration of a call; yields the current epoch."""
        async with self._condition:
            await self._condition.wait_for(lambda: self.in_flight < self.limit)
            self.in_flight += 1
        try:
            yield self.epoch
        finally:
            async with self._condition:
                self.in_flight -= 1
                # Wake only as many waiters as there are free slots: waking all of them on
                # every release costs O(waiters) per call with hundreds of workers.
                self._condition.notify(max(1, self.limit - self.in_flight))

    def on_success(self) -> None:
        """A call went through: after `limit` in a row, allow one more in flight.

        Call it while still holding the slot: releasing the slot wakes waiters, who then see
        the raised limit.
        """
        self._since_decrease += 1
        if self.limit >= self.ceiling:
            return
        if self.slow_start:
            self.limit += 1
            return
        self._streak += 1
        if self._streak >= self.limit:
            self.limit += 1
            self._streak = 0

    def on_rate_limited(self, epoch: int | None = None) -> None:
        """The provider said 429 to a call started in `epoch`: shrink the limit, once per epoch."""
        self._streak = 0
        if epoch is not None and epoch != self.epoch:
            if self._burst[0] and epoch == self.epoch - 1:
                # One more refusal of the burst behind the last decrease: fewer were accepted
                # than were in flight (slow start can overshoot by a whole round trip).
                level, refused = self._burst[0], self._burst[1] + 1
                self._burst = (level, refused)
                self.limit = min(self.limit, self._mild(level - refused))
            return  # this burst already shrank the limit
        if not self.growing:
            self.limit = max(1, self.limit // 2)
        else:
            # The level refused: the calls in flight with this one (its slot is released).
            refused = min(self.limit, self.in_flight + 1)
            soon = self._since_decrease < refused // 2
            self.limit = max(1, refused // 2) if soon else self._mild(refused)
            self._burst = (0, 0) if soon else (refused, 1)
        self.slow_start = False
        self._since_decrease = 0
        self.epoch += 1

    @staticmethod
    def _mild(level: int) -> int:
        return max(1, level - level // 8)
