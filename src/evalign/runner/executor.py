"""Where judging work is scheduled: a small interface, and the in-process asyncio executor.

The runner describes work as a list of units and a coroutine that handles one unit (score it,
store it). An executor decides where and how concurrently that happens; a distributed executor
can later implement the same `map` over a queue without touching judges, providers or the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

W = TypeVar("W")


class Executor(Protocol):
    """Runs `handle` over every unit of work until done or told to stop."""

    async def map(self, work: Sequence[W], handle: Callable[[W], Awaitable[None]], *,
                  should_stop: Callable[[], bool] | None = None) -> None:
        """Handle every unit; stop taking new units once `should_stop()` is true."""
        ...


class AsyncioExecutor:
    """In-process workers pulling from a shared queue.

    Args:
        workers: how many units may be in progress at once.
    """

    def __init__(self, workers: int):
        self.workers = max(1, workers)

    async def map(self, work: Sequence[W], handle: Callable[[W], Awaitable[None]], *,
                  should_stop: Callable[[], bool] | None = None) -> None:
        """Handle every unit with `workers` concurrent workers; the first bug cancels the rest."""
        queue: asyncio.Queue[W] = asyncio.Queue()
        for unit in work:
            queue.put_nowait(unit)

        async def worker() -> None:
            while not queue.empty():
                if should_stop is not None and should_stop():
                    return
                unit = queue.get_nowait()
                await handle(unit)

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(self.workers, len(work))):
                    group.create_task(worker())
        except BaseExceptionGroup as group_error:
            # Surface the first real failure (e.g. a ConfigError) rather than the group.
            raise group_error.exceptions[0] from None
