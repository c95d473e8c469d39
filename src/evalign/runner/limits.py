"""Adaptive concurrency: at most `limit` model calls in flight, found from the provider's 429s.

A limiter with a fixed ceiling (`--concurrency N`) halves its limit on a 429 — once per burst:
429s from calls that were already in flight before the last decrease do not shrink it again —
and every `limit` successful calls in a row raise it by one, back up to the ceiling (AIMD).

A limiter that starts below its ceiling (the runner's default: 32 for remote providers, growing
up to 256) learns the provider's limit from what each 429 says:

- **Slow start.** Until the first 429, every two successes add one: x1.5 per round trip, so
  from 32 a provider that admits 256 is reached in six round trips. Doubling (+1 per success)
  takes three, but can send a whole round trip's worth past the cap before the first 429 is
  read — 64 refused calls at a cap of 64 when one event-loop turn reads every answer of a
  round before any 429; x1.5 halves that worst case (11 refused measured, against 4 to 67).
- **Cut to just below the refused level.** A 429 says the provider refused a call while `n`
  calls (this one included) were in flight, so it admits fewer than `n`: the limit goes to
  `n - 1`, never below half. Each further refusal of the same burst (calls started before the
  cut) lowers it by one more, so once the burst's answers are in, the limit is what the
  provider accepted. No call starts meanwhile (the limit is at or below the calls in flight),
  so an overshoot is refused once, not sent again. Backing off to 7/8 (as before) held a
  provider capped at 64 at 56 for most of a run; a cut by one keeps it at its cap.
- **A far lower budget halves.** A budget per minute refuses calls at any level. A refusal
  within about half a round trip of the last cut (fewer successes since than half the limit)
  halves the limit, so a budget far below the calls in flight is found in a few round trips,
  not one refused call at a time. The count of calls in flight at slow start's cut includes
  calls still on their way that will be refused, so the first `OVERSHOOT_LEFTOVERS` such
  refusals after it cut by one instead.
- **Probing the cap.** After the first 429, every `limit` successes (one round trip) allow one
  more call. A probe refused cuts back by one and doubles the wait before the next probe (up
  to `MAX_PROBE_WAIT` round trips), so a run held at a provider's cap pays a refused call every
  few round trips, not every one; a probe that holds halves the wait again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

SLOW_START_STEP = 2  # successes per call added in slow start: x1.5 per round trip
OVERSHOOT_LEFTOVERS = 2  # refusals soon after slow start's cut that cut by one, not half
MAX_PROBE_WAIT = 8  # round trips between probes, at most, once probes keep being refused


class AdaptiveLimiter:
    """Bounds in-flight calls and adapts the bound to what the provider accepts.

    Args:
        ceiling: the most calls ever in flight at once.
        start: the limit to start from (default: the ceiling, with a fixed bound that halves
            on a 429); below the ceiling, the limit grows as described in the module.
    """

    def __init__(self, ceiling: int, start: int | None = None):
        self.ceiling = max(1, int(ceiling))
        self.limit = min(self.ceiling, max(1, int(start))) if start else self.ceiling
        self.growing = self.limit < self.ceiling
        self.slow_start = self.growing  # until the first 429
        self.in_flight = 0
        self.epoch = 0
        self._streak = 0
        self._since_cut = 0  # successes since the limit was last cut
        self._leftovers = 0  # refusals soon after slow start's cut still taken as its overshoot
        self._burst = (0, 0)  # the level refused at the last cut and the refusals of its burst
        self.probe_wait = 1  # round trips of successes before one more call is allowed
        self._probe_held = True  # no refusal since the limit last grew
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
        """A call went through: the limit may grow (see the module).

        Call it while still holding the slot: releasing the slot wakes waiters, who then see
        the raised limit.
        """
        self._since_cut += 1
        if self._since_cut >= self.limit:
            self._leftovers = 0  # a round trip without a refusal: the overshoot has settled
        if self.limit >= self.ceiling:
            return
        self._streak += 1
        if self.slow_start:
            if self._streak >= SLOW_START_STEP:
                self.limit += 1
                self._streak = 0
            return
        if self._streak >= self.limit * self.probe_wait:
            if self._probe_held:  # the last step was not refused: probe sooner again
                self.probe_wait = max(1, self.probe_wait // 2)
            self.limit += 1
            self._streak = 0
            self._probe_held = True

    def on_rate_limited(self, epoch: int | None = None) -> None:
        """The provider said 429 to a call started in `epoch`; call it once the slot is freed.

        Args:
            epoch: the epoch the refused call's slot was taken in (None: unknown, a new burst).
        """
        self._streak = 0
        probe, self._probe_held = self._probe_held and not self.slow_start, False
        if epoch is not None and epoch != self.epoch:
            if self._burst[0] and epoch == self.epoch - 1:
                # One more refusal of the burst behind the last cut: fewer were accepted than
                # were in flight (slow start can overshoot by a whole round trip).
                level, refused = self._burst[0], self._burst[1] + 1
                self._burst = (level, refused)
                self.limit = max(1, min(self.limit, level - refused))
            return  # this burst already cut the limit
        level = self.in_flight + 1  # the refused call's slot is already free
        if not self.growing:
            self._halve()
        elif self.slow_start:
            self._cut(level, probe=False)
            self._leftovers = OVERSHOOT_LEFTOVERS
        elif self._since_cut < self.limit // 2 and not self._leftover():
            self._halve()  # refused again within half a round trip: a budget far below
        else:
            self._cut(level, probe)
        self.slow_start = False
        self.epoch += 1

    def _leftover(self) -> bool:
        """Whether to take this refusal soon after a cut as slow start's overshoot settling."""
        self._leftovers, leftover = max(0, self._leftovers - 1), self._leftovers > 0
        return leftover

    def _cut(self, level: int, probe: bool) -> None:
        """A call was refused with `level` calls in flight: cut the limit to just below it.

        Args:
            level: the calls in flight when it was refused, itself included.
            probe: the limit grew since the last refusal (this refused the probe).
        """
        if probe:
            self.probe_wait = min(MAX_PROBE_WAIT, self.probe_wait * 2)
        self.limit = max(1, self.limit // 2, min(self.limit, level - 1))
        self._burst = (level, 1)
        self._since_cut = 0

    def _halve(self) -> None:
        self.limit = max(1, self.limit // 2)
        self._burst = (0, 0)
        self._since_cut = 0
        self.probe_wait = 1
