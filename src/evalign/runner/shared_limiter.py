"""One adaptive limiter shared by every worker of a distributed run.

The in-process runner bounds the calls in flight with an `AdaptiveLimiter` (slow start, back-off
on 429). On a cluster every worker calls the same provider, so the bound must hold over the
cluster's calls, not per worker: ten workers must never send ten times what the provider admits.
`SharedLimiter` holds the very same `AdaptiveLimiter` and is run as one Ray actor per run and
endpoint; `RemoteLimiter` is what a worker's `ManagedModel` uses instead of its own limiter, so
the retry loop (`call_with_retry`) is unchanged.

Per call a worker awaits one `acquire` and sends one `release` (or `refused`, on a 429) without
waiting. A slot held by a worker process that died would shrink the cluster's limit for good, so
slots are held in the name of an owner (a run's worker, or a scoring batch): a worker that Ray
restarts, or a batch it retries, calls `forget` first, which frees what the dead process still
held.

A provider's per-minute budget is found the way the in-process runner finds it: its 429s (with
Retry-After, honoured by the caller) shrink the shared limit until calls stop being refused.
"""

from __future__ import annotations

import asyncio
import contextvars
import resource
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from evalign.errors import RateLimitError
from evalign.runner.limits import AdaptiveLimiter


class SharedLimiter:
    """The actor's body: an `AdaptiveLimiter` whose slots are leased to remote callers.

    Args:
        ceiling: the most calls in flight over the whole cluster.
        start: where the limit starts (slow start grows it), as in `AdaptiveLimiter`.
    """

    def __init__(self, ceiling: int, start: int | None = None):
        self.limiter = AdaptiveLimiter(ceiling, start=start)
        self._held: dict[int, tuple[str, AbstractAsyncContextManager[int]]] = {}
        self._next = 0
        self.acquired = 0
        self.peak = 0
        self.lease_calls = 0
        self.return_calls = 0
        self._cpu_at_start = _cpu_s()  # the process's start (Ray, imports) is not the run's

    async def acquire(self, owner: str) -> tuple[int, int]:
        """Wait for a slot; returns (token, epoch): the token releases it, the epoch dates it."""
        slot = self.limiter.slot()
        epoch = await slot.__aenter__()
        self._next += 1
        self._held[self._next] = (owner, slot)
        self.acquired += 1
        self.peak = max(self.peak, self.limiter.in_flight)
        return self._next, epoch

    async def acquire_many(self, owner: str, want: int,
                           done: list[tuple[int, bool]] | None = None) -> list[tuple[int, int]]:
        """Give back `done` (as `release_many`), wait for one slot, then take up to `want` in all
        while the limit allows.

        A worker sends the slots its calls freed with its next lease when it has one to ask
        for, which saves it a round trip; the slots go first to the callers they wake, exactly
        as if they had come back in a message of their own.

        Returns:
            (token, epoch) per slot granted: at least one, at most `want`.
        """
        self.lease_calls += 1
        if done:
            for token, ok in done:
                await self.release(token, ok)
            await asyncio.sleep(0)  # the callers these slots woke (queued first) take them
        granted = [await self.acquire(owner)]
        while len(granted) < want and self.limiter.in_flight < self.limiter.limit:
            granted.append(await self.acquire(owner))
        return granted

    async def release_many(self, done: list[tuple[int, bool]]) -> None:
        """Give back many slots at once: (token, ok) each, as `release`."""
        self.return_calls += 1
        for token, ok in done:
            await self.release(token, ok)

    async def release(self, token: int, ok: bool) -> None:
        """Give back a slot; `ok` when its call went through (it counts toward growth)."""
        held = self._held.pop(token, None)
        if held is None:
            return  # already freed by `forget`
        if ok:
            self.limiter.on_success()
        await held[1].__aexit__(None, None, None)

    async def refused(self, token: int, epoch: int) -> None:
        """Give back the slot of a call the provider refused (429) and back off, as in-process."""
        await self.release(token, False)
        self.limiter.on_rate_limited(epoch)

    async def forget(self, owner: str) -> int:
        """Free every slot `owner` still holds (its process died); returns how many."""
        tokens = [t for t, (who, _) in self._held.items() if who == owner]
        for token in tokens:
            await self.release(token, False)
        return len(tokens)

    def state(self) -> dict[str, int]:
        """The limit now, the calls in flight, the ceiling, slots leased, the peak in flight, the
        `acquire_many` and `release_many` calls received and the CPU milliseconds this
        limiter's process has spent since the limiter was made (as a worker's CPU counts from
        the worker's start)."""
        return {"limit": self.limiter.limit, "in_flight": self.limiter.in_flight,
                "ceiling": self.limiter.ceiling, "acquired": self.acquired, "peak": self.peak,
                "lease_calls": self.lease_calls, "return_calls": self.return_calls,
                "cpu_ms": int((_cpu_s() - self._cpu_at_start) * 1000)}


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class _Slot:
    """The slot the current call holds (per asyncio task, through a context variable)."""

    token: int
    ok: bool = False


_slot: contextvars.ContextVar[_Slot | None] = contextvars.ContextVar("evalign_slot", default=None)
_refused: contextvars.ContextVar[int | None] = contextvars.ContextVar("evalign_refused",
                                                                      default=None)


class RemoteLimiter(AdaptiveLimiter):
    """A worker's stand-in for its limiter: every slot comes from the shared actor.

    Slots are leased in batches, so a busy worker does not pay one actor round trip per call:
    the calls waiting for a slot share one `acquire_many` at a time, and the slots given back
    during one turn of the event loop go back together: with the next lease when one is due
    (no lease is on its way and calls wait, or one just came back and calls still wait), else
    in a `release_many` of their own. Every slot still goes back to the actor after its call,
    so the cluster's limit holds exactly; a Ray call costs ~1 ms of CPU on each side, most of
    the actor's per-item cost, so fewer, fuller messages matter.

    Args:
        actor: the `SharedLimiter` actor handle.
        owner: the name slots are held in (a run's worker, or a scoring batch), so a restarted
            worker or a retried batch can free what its dead process held.
    """

    def __init__(self, actor: Any, owner: str):
        super().__init__(1)
        self.actor, self.owner = actor, owner
        self._waiting: deque[asyncio.Future[tuple[int, int]]] = deque()
        self._fetcher: asyncio.Task[None] | None = None
        self._returns: list[tuple[int, bool]] = []
        self._syncing = False  # a `_sync` is due at the end of this turn of the event loop

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[int]:
        """Hold one of the cluster's slots for the duration of a call; yields its epoch."""
        token, epoch = await self._lease()
        self.epoch = epoch
        held = _Slot(token)
        reset = _slot.set(held)
        try:
            yield epoch
        except RateLimitError:
            # Released by `on_rate_limited`, which the retry loop calls next, in one message:
            # the actor must see the slot freed before it backs off (as in-process).
            _refused.set(token)
            raise
        except BaseException:
            self._give_back(token, False)
            raise
        else:
            self._give_back(token, held.ok)
        finally:
            _slot.reset(reset)

    def on_success(self) -> None:
        """The call went through: reported with the slot's release."""
        held = _slot.get()
        if held is not None:
            held.ok = True

    def on_rate_limited(self, epoch: int | None = None) -> None:
        """The provider refused the call: free its slot and back off, on the actor."""
        token = _refused.get()
        _refused.set(None)
        if token is not None:
            self.actor.refused.remote(token, epoch if epoch is not None else self.epoch)

    async def _lease(self) -> tuple[int, int]:
        """One slot: (token, epoch), from the batch the waiting calls share."""
        wanted: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()
        self._waiting.append(wanted)
        self._sync_soon()
        try:
            return await wanted
        except asyncio.CancelledError:
            if wanted.done() and not wanted.cancelled() and wanted.exception() is None:
                self._give_back(wanted.result()[0], False)  # granted as it was cancelled
            raise

    def _sync_soon(self) -> None:
        """Talk to the actor once, at the end of this turn of the event loop."""
        if not self._syncing:
            self._syncing = True
            asyncio.get_running_loop().call_soon(self._sync)

    def _sync(self) -> None:
        """This turn's message: the slots given back, with a lease for the calls waiting when
        none is on its way, else on their own."""
        self._syncing = False
        done, self._returns = self._returns, []
        want = self._pending()
        if want and (self._fetcher is None or self._fetcher.done()):
            self._fetcher = asyncio.create_task(self._fetch(want, done))
        elif done:
            self.actor.release_many.remote(done)

    async def _fetch(self, want: int, done: list[tuple[int, bool]]) -> None:
        """Lease up to `want` slots, giving back `done` first; at once again while calls wait,
        with the slots freed since (which would otherwise wait for the end of the turn)."""
        try:
            while want:
                for grant in await self.actor.acquire_many.remote(self.owner, want, done):
                    self._hand(grant)
                want = self._pending()
                if want:
                    done, self._returns = self._returns, []
        except BaseException as exc:
            while self._waiting:
                waiting = self._waiting.popleft()
                if not waiting.done():
                    waiting.set_exception(exc)
            if not isinstance(exc, Exception):
                raise

    def _pending(self) -> int:
        while self._waiting and self._waiting[0].done():
            self._waiting.popleft()  # cancelled while waiting
        return sum(not waiting.done() for waiting in self._waiting)

    def _hand(self, grant: tuple[int, int]) -> None:
        """Give a granted slot to the first call still waiting, else back to the actor."""
        self._pending()
        if self._waiting:
            self._waiting.popleft().set_result((grant[0], grant[1]))
        else:
            self._give_back(grant[0], False)

    def _give_back(self, token: int, ok: bool) -> None:
        """Return a slot with the others returned in this turn of the event loop."""
        self._returns.append((token, ok))
        self._sync_soon()
