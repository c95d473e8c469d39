"""Verdicts written by group commit: the verdicts that arrive together share one transaction.

One commit per verdict was most of the runner's own CPU per item. A worker hands its verdict to
the writer and waits until it is stored before it takes the next item; the writer stores every
verdict handed over during one turn of the event loop in one transaction (at most BATCH). So a
run killed with `kill -9` still loses no more than the calls in flight, and the busier the run,
the larger the batches. The unique key (run, item, sample) still guards every row: a batch that
collides with verdicts stored by another process is written again row by row, and only the
duplicates are dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from evalign.judges.spec import Verdict
from evalign.store import Store, repo_runs
from evalign.store import models as m

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
        try:
            with self.store.session() as session:
                # Core executemany: the ORM bulk path cost ~0.4 ms of CPU per verdict.
                table = cast(sa.Table, m.Verdict.__table__)
                session.execute(sa.insert(table), [self._row(v) for v, _ in pending])
            stored = pending
        except IntegrityError:
            # Another process stored some of them: keep the rest, one by one.
            stored = [(v, c) for v, c in pending
                      if repo_runs.save_verdict(self.store, self.run_id, v)]
        for verdict, calls in stored:
            self.saved(verdict, calls)

    def _row(self, verdict: Verdict) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "item_id": verdict.item_id, "sample": verdict.sample,
            "value": verdict.value, "p_pass": verdict.p_pass, "reasoning": verdict.reasoning,
            "raw": verdict.raw, "error": verdict.error, "error_kind": verdict.error_kind,
            "checks": [asdict(check) for check in verdict.checks],
            "attempts": verdict.attempts, "cached": verdict.cached,
            "prompt_tokens": verdict.prompt_tokens,
            "completion_tokens": verdict.completion_tokens, "latency_s": verdict.latency_s,
            "cost_usd": verdict.cost_usd,
        }
