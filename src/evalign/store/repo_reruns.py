"""Asking a finished run's failed calls again, as a new run that reuses its other verdicts.

A finished run keeps its verdicts (`docs/store.md`, "History is never rewritten"), so calls
that failed (an endpoint down, after the runner's retries) are asked again in a *new* run whose
`parent_run_id` names the old one. `start_retry` creates it in one transaction: the old run's
judge version, dataset, model, parameters, repeat, cache use and item restriction, and a copy
of every old verdict that is not a failed call. The (item, sample) pairs left without a verdict
are the new run's work, which the runner does as for any run (and `--resume` finishes).

A copy is a new row (new id) marked `cached`, with no tokens and no cost: the new run reused
that answer and paid nothing for it, exactly as for an answer served from the answer cache;
the old run keeps the spend, so summing runs never counts a call twice.

Every function takes an open `Session` and returns plain values.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.store import models as m
from evalign.store.repo_run_items import run_item_count

RETRY_OF = "retry_of"
"""The counter of a retry run: `{"run": the old run's id, "failed": its failed calls, asked
again, "reused": its verdicts copied, "not_asked": its (item, sample) pairs that had no verdict
at all (an interrupted run), asked now}`."""


@dataclass(frozen=True)
class RetryStart:
    """A retry run just created: its id, the failed calls it asks again, the verdicts reused,
    and the (item, sample) pairs the old run never asked (it was interrupted), asked now."""

    run: int
    failed: int
    reused: int
    not_asked: int = 0


def failed_call(kinds: Collection[str]) -> sa.ColumnElement[bool]:
    """A condition on `verdicts`: an error of one of `kinds`, or an error stored without a
    kind (counted as a provider error everywhere)."""
    v = m.Verdict
    return v.error.is_not(None) & (v.error_kind.in_(sorted(kinds)) | v.error_kind.is_(None))


def count_failed_calls(session: Session, run_id: int, kinds: Collection[str]) -> int:
    """How many of run `run_id`'s verdicts are failed calls (see `failed_call`)."""
    query = (sa.select(sa.func.count(m.Verdict.id))
             .where(m.Verdict.run_id == run_id, failed_call(kinds)))
    return session.scalar(query) or 0


def start_retry(session: Session, run_id: int, *, kinds: Collection[str]) -> RetryStart:
    """Create a pending run that asks run `run_id`'s failed calls again.

    Args:
        session: an open session; everything is written in its transaction.
        run_id: the run to retry (left as it is).
        kinds: the error kinds of a failed call (an error without a kind is one too).

    Returns:
        The new run, with `counters[RETRY_OF]` set.
    """
    old = session.get_one(m.Run, run_id)
    failed = count_failed_calls(session, run_id, kinds)
    new = m.Run(judge_version_id=old.judge_version_id, dataset_id=old.dataset_id,
                model=old.model, params=dict(old.params or {}), repeat=old.repeat,
                use_cache=old.use_cache, status="pending", parent_run_id=old.id,
                scope=dict(old.scope) if old.scope else None, counters={})
    session.add(new)
    session.flush()
    if old.scope:  # the same items, never more
        session.execute(sa.insert(m.RunItem).from_select(
            ["run_id", "item_id"],
            sa.select(sa.literal(new.id), m.RunItem.item_id).where(m.RunItem.run_id == old.id)))
    v = m.Verdict
    copied = {
        "run_id": sa.literal(new.id), "item_id": v.item_id, "sample": v.sample,
        "value": v.value, "p_pass": v.p_pass, "reasoning": v.reasoning, "raw": v.raw,
        "error": v.error, "error_kind": v.error_kind, "checks": v.checks,
        "attempts": v.attempts, "cached": sa.true(), "prompt_tokens": sa.literal(0),
        "completion_tokens": sa.literal(0), "latency_s": v.latency_s,
        "cost_usd": sa.literal(0.0), "created_at": v.created_at,
    }
    table = cast(sa.Table, v.__table__)  # the mapper types it as a FromClause
    session.execute(sa.insert(table).from_select(
        list(copied), sa.select(*copied.values())
        .where(v.run_id == old.id, sa.not_(failed_call(kinds))).order_by(v.id)))
    reused = session.scalar(sa.select(sa.func.count(v.id)).where(v.run_id == new.id)) or 0
    not_asked = max(0, work_size(session, old) - failed - reused)
    new.counters = {RETRY_OF: {"run": old.id, "failed": failed, "reused": reused,
                               "not_asked": not_asked}}
    session.flush()
    return RetryStart(run=new.id, failed=failed, reused=reused, not_asked=not_asked)


def work_size(session: Session, run: m.Run) -> int:
    """How many (item, sample) pairs run `run` judges: its items times its repeat."""
    return run_item_count(session, run.id, run.dataset_id) * run.repeat


def retries_of(session: Session, run_id: int) -> list[int]:
    """The ids of the runs made to retry run `run_id`'s failed calls, oldest first."""
    children = session.execute(sa.select(m.Run.id, m.Run.counters)
                               .where(m.Run.parent_run_id == run_id).order_by(m.Run.id))
    return [child for child, counters in children
            if isinstance(counters, dict) and RETRY_OF in counters]
