"""Where judging work is scheduled: a small interface, and the in-process asyncio executor.

The runner describes work as an iterable of units (possibly a lazy stream) and a coroutine that
handles one unit (score it, store it). An executor decides where and how concurrently that
happens; a distributed executor can later implement the same `map` over a queue without touching
judges, providers or the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sized
from typing import Protocol, TypeVar

W = TypeVar("W")
_END = object()


class Executor(Protocol):
    """Runs `handle` over every unit of work until done or told to stop."""

    async def map(self, work: Iterable[W], handle: Callable[[W], Awaitable[None]], *,
                  should_stop: Callable[[], bool] | None = None) -> None:
        """Handle every unit; stop taking new units once `should_stop()` is true."""
        ...


class AsyncioExecutor:
    """In-process workers pulling units from one shared iterator.

    Args:
        workers: how many units may be in progress at once.
    """

    def __init__(self, workers: int):
        self.workers = max(1, workers)

    async def map(self, work: Iterable[W], handle: Callable[[W], Awaitable[None]], *,
                  should_stop: Callable[[], bool] | None = None) -> None:
        """Handle every unit with `workers` concurrent workers; the first bug cancels the rest.

        Units are drawn from `work` one at a time as workers free up, so a lazy stream is never
        held in memory whole.
        """
        units = iter(work)
        workers = min(self.workers, len(work)) if isinstance(work, Sized) else self.workers

        async def worker() -> None:
            while should_stop is None or not should_stop():
                unit = next(units, _END)
                if unit is _END:
                    return
                await handle(unit)  # type: ignore[arg-type]

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(workers):
                    group.create_task(worker())
        except BaseExceptionGroup as group_error:
            # Surface the first real failure (e.g. a ConfigError) rather than the group.
            raise group_error.exceptions[0] from None
