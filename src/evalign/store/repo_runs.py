"""Runs and their verdicts in the store.

A verdict is written in a short transaction as soon as it exists (`store.repo_verdicts`); the
unique key (run, item, sample) means a resumed run can never store an item twice, and the
absence of a verdict — not a flag — is what marks work still to do, so even `kill -9` loses
nothing. The process running a run moves it along its statuses here (`mark_running`, `beat`,
`finish`); a cancel from anywhere else wins over all three. None of them writes the run's model
calls: those are added with the verdicts they produced (`repo_verdicts.insert_verdicts`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import NotFoundError
from evalign.judges.spec import JudgeSpec
from evalign.store import models as m
from evalign.store.repo_judges import to_spec

ACTIVE = ("pending", "running")
FINAL = ("completed", "failed", "cancelled")


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    """A stored time as timezone-aware UTC (SQLite hands back naive datetimes)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def create_run(session: Session, *, judge_version_id: int, dataset_id: int, model: str,
               params: dict[str, Any], repeat: int, use_cache: bool) -> m.Run:
    """A new pending run."""
    run = m.Run(judge_version_id=judge_version_id, dataset_id=dataset_id, model=model,
                params=params, repeat=repeat, use_cache=use_cache, status="pending", counters={})
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, run_id: int) -> m.Run:
    """The run with this id.

    Raises:
        NotFoundError: no such run.
    """
    run = session.get(m.Run, run_id)
    if run is None:
        raise NotFoundError(f"no run {run_id}{_deleted_with(session, run_id)}: "
                            "`evalign runs list` shows the runs there are")
    return run


def _deleted_with(session: Session, run_id: int) -> str:
    """", deleted with dataset NAME on DATE" when a tombstone lists the run, else ""."""
    for tomb in session.scalars(sa.select(m.DatasetDeletion).order_by(m.DatasetDeletion.id)):
        if run_id in (tomb.details or {}).get("runs", []):
            return f" (deleted with dataset {tomb.name!r} on {tomb.deleted_at:%Y-%m-%d})"
    return ""


def done_keys(session: Session, run_id: int) -> set[tuple[int, int]]:
    """(item id, sample) of every verdict the run already has."""
    query = sa.select(m.Verdict.item_id, m.Verdict.sample).where(m.Verdict.run_id == run_id)
    return {(item, sample) for item, sample in session.execute(query)}


def totals(session: Session, run_id: int) -> dict[str, Any]:
    """Counts and sums over the run's stored verdicts.

    Errors are not counted here: an undecided pairwise verdict stores an error text but is no
    error, and `evalign.runner.error_counts` is the one place that tells them apart.
    """
    v = m.Verdict
    row = session.execute(sa.select(
        sa.func.count(v.id), sa.func.sum(sa.case((v.cached, 1), else_=0)),
        sa.func.coalesce(sa.func.sum(v.prompt_tokens), 0),
        sa.func.coalesce(sa.func.sum(v.completion_tokens), 0),
        sa.func.sum(v.cost_usd), sa.func.count(v.cost_usd),
        sa.func.count(sa.distinct(v.item_id)),
    ).where(v.run_id == run_id)).one()
    count, cached, prompt, completion, cost, priced, items = row
    return {"verdicts": count, "cached": int(cached or 0),
            "prompt_tokens": int(prompt), "completion_tokens": int(completion),
            "cost_usd": float(cost or 0.0) if priced == count else None,
            "items_done": items}


def verdict_rows(session: Session, run_id: int) -> list[tuple[m.Verdict, m.Item]]:
    """The run's verdicts with their items, in item position then sample order."""
    query = (sa.select(m.Verdict, m.Item).join(m.Item, m.Item.id == m.Verdict.item_id)
             .where(m.Verdict.run_id == run_id).order_by(m.Item.position, m.Verdict.sample))
    return [(verdict, item) for verdict, item in session.execute(query).all()]


def list_runs(session: Session, *, dataset_id: int | None = None,
              judge_version_id: int | None = None) -> list[m.Run]:
    """Runs, newest first, optionally of one dataset or one judge version."""
    query = sa.select(m.Run).order_by(m.Run.id.desc())
    if dataset_id is not None:
        query = query.where(m.Run.dataset_id == dataset_id)
    if judge_version_id is not None:
        query = query.where(m.Run.judge_version_id == judge_version_id)
    return list(session.scalars(query))


def cancel(session: Session, run_id: int) -> tuple[str, bool]:
    """Mark an active run cancelled; a finished or already-cancelled run is left as it is.

    Returns:
        The run's status afterwards and whether this call changed it.
    """
    run = get_run(session, run_id)
    if run.status not in ACTIVE:
        return run.status, False
    run.status = "cancelled"
    run.finished_at = now()
    return run.status, True


def judge_spec(session: Session, run: m.Run) -> JudgeSpec:
    """The content of the judge version the run applies (its own model, not the run's)."""
    return to_spec(session.get_one(m.JudgeVersion, run.judge_version_id))


def judge_ref(session: Session, run: m.Run) -> str:
    """`NAME@V` of the judge version the run applies."""
    version = session.get_one(m.JudgeVersion, run.judge_version_id)
    return f"{version.judge.name}@{version.version}"


def mark_running(session: Session, run_id: int, counters: dict[str, Any]) -> None:
    """Mark the run running now (keeping its first start time), clear its error, and set its
    counters.

    Raises:
        NotFoundError: no such run.
    """
    run = get_run(session, run_id)
    run.status = "running"
    run.started_at = run.started_at or now()
    run.heartbeat_at = now()
    run.error = None
    run.counters = counters


def beat(session: Session, run_id: int, counters: dict[str, Any]) -> bool:
    """Record that a running run is alive, with its live counters.

    Returns:
        False, and nothing changes, when the run is no longer running (cancelled, finished).
    """
    updated = session.execute(
        sa.update(m.Run).where(m.Run.id == run_id, m.Run.status == "running")
        .values(heartbeat_at=now(), counters=counters))
    return bool(getattr(updated, "rowcount", 0))


def finish(session: Session, run_id: int, status: str, *, error: str | None,
           counters: dict[str, Any]) -> None:
    """Move a running run to `status` with its final counters.

    A run cancelled meanwhile stays cancelled and only takes the counters; a run in another
    status is left as it is.
    """
    session.execute(
        sa.update(m.Run).where(m.Run.id == run_id, m.Run.status == "running")
        .values(status=status, error=error, finished_at=now(), heartbeat_at=now(),
                counters=counters))
    run = get_run(session, run_id)
    if run.status == "cancelled":
        run.counters = counters
