"""Verdicts written by group commit: the verdicts that arrive together share one transaction.

One commit per verdict was most of the runner's own CPU per item. A worker hands its verdict to
the writer and waits until it is stored before it takes the next item; the writer stores every
verdict handed over during one turn of the event loop in one transaction (at most BATCH). So a
run killed with `kill -9` still loses no more than the calls in flight, and the busier the run,
the larger the batches. Each batch's model calls are added to the run's in the same
transaction, so the calls a run reports are exactly those behind the verdicts it kept, even
after `kill -9` and however many processes write its verdicts. The unique key (run, item,
sample) still guards every row: a batch that collides with verdicts stored by another process
is written again row by row, and only the duplicates are dropped
(`store.repo_verdicts.insert_verdicts`, a Core executemany insert).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from evalign.judges.spec import Verdict
from evalign.store import Store
from evalign.store.repo_verdicts import insert_verdicts

BATCH = 256

SavedFn = Callable[[Verdict, int], None]


class VerdictWriter:
    """Buffers a run's verdicts and stores them in one transaction per batch.

    Args:
        store: the store.
        run_id: the run the verdicts belong to.
        saved: called once per verdict actually stored, with its provider call count.
        batch: the most verdicts in one transaction.
    """

    def __init__(self, store: Store, run_id: int, saved: SavedFn, *, batch: int = BATCH):
        self.store, self.run_id, self.saved, self.batch = store, run_id, saved, batch
        self._pending: list[tuple[Verdict, int]] = []
        self._stored: asyncio.Future[None] | None = None

    async def add(self, verdict: Verdict, calls: int) -> None:
        """Hand over one verdict and return once it is stored (or found already stored).

        Raises:
            Exception: whatever storing its batch raised.
        """
        assert verdict.item_id is not None, "a stored verdict needs its item id"
        self._pending.append((verdict, calls))
        if self._stored is None:
            loop = asyncio.get_running_loop()
            self._stored = loop.create_future()
            loop.call_soon(self.flush)
        stored = self._stored
        if len(self._pending) >= self.batch:
            self.flush()
        await asyncio.shield(stored)  # one waiter cancelled must not cancel the batch

    def flush(self) -> None:
        """Store every verdict handed over so far, in one transaction."""
        pending, self._pending = self._pending, []
        done, self._stored = self._stored, None
        try:
            if pending:
                self._store(pending)
        except Exception as exc:
            if done is not None and not done.done():
                done.set_exception(exc)
                return
            raise
        if done is not None and not done.done():
            done.set_result(None)

    def _store(self, pending: list[tuple[Verdict, int]]) -> None:
        stored = insert_verdicts(self.store, self.run_id, [verdict for verdict, _ in pending],
                                 [calls for _, calls in pending])
        for (verdict, calls), kept in zip(pending, stored, strict=True):
            if kept:
                self.saved(verdict, calls)
