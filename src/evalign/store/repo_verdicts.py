"""A run's verdicts in the store: written in batches or one by one, with the model calls behind
them, counted, tallied by error.

The unique key (run, item, sample) guards every row: a verdict another process already stored
for the same (item, sample) is never stored twice. A batch is one Core executemany insert in
one transaction; the ORM's bulk path cost ~0.4 ms of CPU per verdict, most of the runner's own
time per item.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evalign.judges.spec import Verdict
from evalign.store import Store
from evalign.store import models as m


def verdict_row(run_id: int, verdict: Verdict) -> dict[str, Any]:
    """The `verdicts` row of one verdict of run `run_id`, as column -> value."""
    return {
        "run_id": run_id, "item_id": verdict.item_id, "sample": verdict.sample,
        "value": verdict.value, "p_pass": verdict.p_pass, "reasoning": verdict.reasoning,
        "raw": verdict.raw, "error": verdict.error, "error_kind": verdict.error_kind,
        "checks": [asdict(check) for check in verdict.checks],
        "attempts": verdict.attempts, "cached": verdict.cached,
        "prompt_tokens": verdict.prompt_tokens,
        "completion_tokens": verdict.completion_tokens, "latency_s": verdict.latency_s,
        "cost_usd": verdict.cost_usd,
    }


def insert_verdicts(store: Store, run_id: int, verdicts: Sequence[Verdict],
                    calls: Sequence[int] | None = None) -> list[bool]:
    """Store `verdicts` in one transaction, adding their model calls to the run's; on a
    collision, again one by one.

    The calls are added in the transaction that stores their verdicts, as one SQL increment,
    so a run killed at any moment (or written by several processes at once) counts exactly
    the calls behind the verdicts it kept. A batch that collides with verdicts stored by
    another process is rolled back as a whole and written again row by row, so only the
    duplicates are dropped; their calls were made all the same and are still counted.

    Args:
        store: the store.
        run_id: the run.
        verdicts: the verdicts, each with its item id.
        calls: per verdict, the provider calls it took (None: none, as for a code judge).

    Raises:
        ValueError: `calls` is not one count per verdict (nothing is stored).

    Returns:
        Per verdict, in order: True when stored, False when the run already had a verdict for
        its (item, sample).
    """
    if not verdicts:
        return []
    counts = list(calls) if calls is not None else [0] * len(verdicts)
    if len(counts) != len(verdicts):
        raise ValueError(f"{len(counts)} call counts for {len(verdicts)} verdicts")
    try:
        with store.session() as session:
            table = cast(sa.Table, m.Verdict.__table__)  # the mapper types it as a FromClause
            session.execute(sa.insert(table), [verdict_row(run_id, v) for v in verdicts])
            add_calls(session, run_id, sum(counts))
    except IntegrityError:
        kept = [save_verdict(store, run_id, v, calls=n)
                for v, n in zip(verdicts, counts, strict=True)]
        dropped = sum(n for stored, n in zip(kept, counts, strict=True) if not stored)
        if dropped:
            with store.session() as session:
                add_calls(session, run_id, dropped)
        return kept
    return [True] * len(verdicts)


def save_verdict(store: Store, run_id: int, verdict: Verdict, *, calls: int = 0) -> bool:
    """Store one verdict in its own transaction, adding its `calls` to the run's.

    Returns:
        False when the run already had a verdict for this (item, sample); nothing changes then
        (its calls are not added either).
    """
    assert verdict.item_id is not None, "a stored verdict needs its item id"
    try:
        with store.session() as session:
            session.add(m.Verdict(**verdict_row(run_id, verdict)))
            session.flush()
            add_calls(session, run_id, calls)
    except IntegrityError:
        return False
    return True


def add_calls(session: Session, run_id: int, calls: int) -> None:
    """Add `calls` to run `run_id`'s model calls, as one atomic SQL increment (several
    processes may store a run's verdicts at once); nothing is written for 0."""
    if calls:
        session.execute(sa.update(m.Run).where(m.Run.id == run_id)
                        .values(calls=m.Run.calls + calls))


def count_verdicts(session: Session, run_id: int) -> int:
    """How many verdicts run `run_id` has stored (errors included)."""
    query = sa.select(sa.func.count(m.Verdict.id)).where(m.Verdict.run_id == run_id)
    return session.scalar(query) or 0


@dataclass(frozen=True)
class ErrorTallies:
    """A run's verdicts counted by error kind, as stored.

    Attributes:
        total: verdicts stored (errors included).
        by_kind: (error kind, count) for verdicts with an error; kind None when none was stored.
        common_raw: (raw answer, count) among verdicts of the asked kinds, most frequent first
            (ties by raw text).
    """

    total: int
    by_kind: list[tuple[str | None, int]]
    common_raw: list[tuple[str, int]]


def error_tallies(session: Session, run_id: int, *, raw_kinds: Collection[str],
                  common: int) -> ErrorTallies:
    """Count run `run_id`'s verdicts, its errors by kind, and its `common` commonest raw
    answers among verdicts whose error kind is in `raw_kinds`."""
    v = m.Verdict
    total = count_verdicts(session, run_id)
    kinds = session.execute(
        sa.select(v.error_kind, sa.func.count(v.id))
        .where(v.run_id == run_id, v.error.is_not(None)).group_by(v.error_kind)).all()
    raws = session.execute(
        sa.select(v.raw, sa.func.count(v.id))
        .where(v.run_id == run_id, v.error_kind.in_(sorted(raw_kinds)))
        .group_by(v.raw).order_by(sa.func.count(v.id).desc(), v.raw).limit(common)).all()
    return ErrorTallies(total=total,
                        by_kind=[(kind, int(n)) for kind, n in kinds],
                        common_raw=[(raw or "", int(n)) for raw, n in raws])
