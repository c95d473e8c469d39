"""Alignment runs in the store: create, claim, progress, outcome, decision, history.

    pending ──claim──▶ running ──▶ aligned | error | cancelled
       └────────────cancel──────────────────▶ cancelled

Every function returns plain records (`AlignmentRunRecord`, with the typed `AlignmentOutcome`),
never ORM rows. Claiming is one conditional UPDATE, so two workers (web or `evalign worker`)
never both start the same run. A running run whose heartbeat is older than the caller's limit
is orphaned (its process died); `orphaned_alignments` finds them for the worker to resume.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import ConflictError, NotFoundError
from evalign.store import models as m
from evalign.store.alignment_outcome import AlignmentOutcome, Phase, Sources, parse_outcome
from evalign.store.repo_runs import aware, now

FINAL = ("aligned", "error", "cancelled")


@dataclass(frozen=True)
class AlignmentRunRecord:
    """An alignment run as stored (detached).

    Attributes:
        judge, judge_version: the judge version the run started from.
        judge_builtin: whether that judge ships with evalign (accepting forks it first).
        judge_criterion: the criterion the judge is bound to, if any.
        phases: each phase's state, in the order the run planned them.
        outcome: the typed outcome once aligned, else None.
        accepted_version: `NAME@V` made by accepting, else None.
    """

    id: int
    judge: str
    judge_version: int
    judge_version_id: int
    judge_builtin: bool
    judge_criterion: str | None
    status: str
    phase: str | None
    config: dict[str, Any]
    sources: Sources
    phases: dict[str, Phase]
    outcome: AlignmentOutcome | None
    decision: str | None
    accepted_version: str | None
    error: str | None
    created_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the `--json` shape of `evalign align status`): the run, then its
        outcome's keys at the top level."""
        outcome = self.outcome.to_dict() if self.outcome else {}
        return {"run": self.id, "judge": f"{self.judge}@{self.judge_version}",
                "status": self.status, "phase": self.phase, "decision": self.decision,
                "accepted_version": self.accepted_version, "error": self.error,
                "created_at": str(self.created_at), "finished_at": str(self.finished_at or ""),
                "sources": self.sources.model_dump(mode="json"), "config": self.config,
                "phases": {k: v.model_dump(mode="json", exclude_none=True)
                           for k, v in self.phases.items()}} | {
                    k: v for k, v in outcome.items() if k not in ("run", "status")}


def create_alignment_run(session: Session, *, judge_version_id: int, config: dict[str, Any],
                         sources: dict[str, Any], phases: list[str], held: bool = False) -> int:
    """A new pending run; returns its id. `held`: created already running, for the caller
    to execute itself (no worker can claim it first)."""
    row = m.AlignmentRun(judge_version_id=judge_version_id,
                         status="running" if held else "pending", config=config,
                         heartbeat_at=now() if held else None,
                         started_at=now() if held else None,
                         sources=sources, phases={p: {"status": "waiting"} for p in phases})
    session.add(row)
    session.flush()
    return row.id


def get_alignment_run(session: Session, run_id: int) -> AlignmentRunRecord:
    """The run as a record.

    Raises:
        NotFoundError: no such run.
    """
    return _record(session, _get(session, run_id))


def alignment_run_ids(session: Session, *, judge: str | None = None,
                      limit: int | None = None) -> list[int]:
    """Run ids, newest first; only runs of any version of `judge` when given."""
    query = sa.select(m.AlignmentRun.id).order_by(m.AlignmentRun.created_at.desc(),
                                                  m.AlignmentRun.id.desc())
    if judge is not None:
        query = (query.join(m.JudgeVersion, m.JudgeVersion.id == m.AlignmentRun.judge_version_id)
                 .join(m.Judge, m.Judge.id == m.JudgeVersion.judge_id)
                 .where(m.Judge.name == judge))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def next_pending_alignment(session: Session) -> int | None:
    """The oldest pending run's id."""
    return session.scalar(sa.select(m.AlignmentRun.id).where(m.AlignmentRun.status == "pending")
                          .order_by(m.AlignmentRun.id).limit(1))


def orphaned_alignments(session: Session, stale_before: datetime) -> list[int]:
    """Running runs whose heartbeat is older than `stale_before` (their process died)."""
    return list(session.scalars(sa.select(m.AlignmentRun.id).where(
        m.AlignmentRun.status == "running",
        sa.or_(m.AlignmentRun.heartbeat_at.is_(None),
               m.AlignmentRun.heartbeat_at < stale_before)).order_by(m.AlignmentRun.id)))


def claim_alignment(session: Session, run_id: int, *, stale_before: datetime | None = None
                    ) -> bool:
    """Mark the run running for this process; whether this caller got it.

    A pending run is claimed; with `stale_before`, so is a running run whose heartbeat is
    older (an orphan taken over). One UPDATE with the condition, so only one claimer wins.
    """
    claimable = m.AlignmentRun.status == "pending"
    if stale_before is not None:
        claimable = sa.or_(claimable, sa.and_(
            m.AlignmentRun.status == "running",
            sa.or_(m.AlignmentRun.heartbeat_at.is_(None),
                   m.AlignmentRun.heartbeat_at < stale_before)))
    moment = now()
    result = session.execute(
        sa.update(m.AlignmentRun).where(m.AlignmentRun.id == run_id, claimable)
        .values(status="running", heartbeat_at=moment,
                started_at=sa.func.coalesce(m.AlignmentRun.started_at, moment))
        .execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))


def write_progress(session: Session, run_id: int, phases: dict[str, dict[str, Any]],
                   phase: str | None = None, *, set_phase: bool = False) -> str:
    """Store the phases (and the current phase when `set_phase`) and beat the heartbeat.

    Returns the run's status; a cancelled run is left as it is ("cancelled").
    """
    row = _get(session, run_id)
    if row.status == "cancelled":
        return row.status
    row.phases, row.heartbeat_at = phases, now()
    if set_phase:
        row.phase = phase
    return row.status


def heartbeat(session: Session, run_id: int) -> str:
    """Beat the heartbeat of a running run; returns its status (unchanged when cancelled)."""
    row = _get(session, run_id)
    if row.status != "cancelled":
        row.heartbeat_at = now()
    return row.status


def stored_phases(session: Session, run_id: int) -> dict[str, dict[str, Any]]:
    """The phases as stored (plain dicts, for the tracker to update)."""
    return {k: dict(v) for k, v in (_get(session, run_id).phases or {}).items()}


def finish_alignment(session: Session, run_id: int, phases: dict[str, dict[str, Any]],
                     outcome: AlignmentOutcome) -> bool:
    """Store the outcome and mark the run aligned; False when it was cancelled meanwhile."""
    row = _get(session, run_id)
    if row.status == "cancelled":
        return False
    # A phase never reached (a budget stopped the strategies before it) did not run: it is
    # "skipped", not "waiting" on a finished run.
    ended = {name: ({"status": "skipped"} if phase.get("status") == "waiting" else phase)
             for name, phase in phases.items()}
    row.phases, row.outcome, row.status = ended, outcome.to_dict(), "aligned"
    row.phase, row.finished_at = None, now()
    return True


def close_alignment(session: Session, run_id: int, status: str,
                    phases: dict[str, dict[str, Any]], error: str | None = None) -> None:
    """End the run as `status` (`error` or `cancelled`), keeping the phases reached."""
    row = _get(session, run_id)
    row.phases, row.error, row.finished_at, row.status = phases, error, now(), status


def requeue_alignment(session: Session, run_id: int) -> None:
    """Put an orphaned running run back to pending (its finished phases stay stored)."""
    row = _get(session, run_id)
    if row.status == "running":
        row.status = "pending"


def cancel_alignment_run(session: Session, run_id: int) -> AlignmentRunRecord:
    """Cancel a pending or running run (its running phase too); a finished one is left as
    it is."""
    row = _get(session, run_id)
    if row.status in ("pending", "running"):
        row.status, row.finished_at = "cancelled", now()
        # the process running it may never get to close its phase (killed, or interrupted)
        row.phases = {name: dict(p, status="cancelled") if p.get("status") == "running" else p
                      for name, p in (row.phases or {}).items()}
    return _record(session, row)


def record_decision(session: Session, run_id: int, decision: str,
                    version_id: int | None = None) -> AlignmentRunRecord:
    """Record `accepted` (with the version made) or `rejected`.

    Raises:
        ConflictError: the run is not aligned, or was already decided.
    """
    row = _get(session, run_id)
    check_decidable(_record(session, row))
    row.decision = decision
    if version_id is not None:
        row.accepted_version_id = row.candidate_version_id = version_id
    return _record(session, row)


def check_decidable(run: AlignmentRunRecord) -> None:
    """Raise `ConflictError` unless the run is aligned and not yet decided."""
    if run.status != "aligned":
        raise ConflictError(f"alignment run {run.id} is {run.status}: only an aligned run's "
                            "candidate can be accepted or rejected")
    if run.decision is not None:
        raise ConflictError(f"alignment run {run.id} was already {run.decision}")


def free_judge_name(session: Session, stem: str) -> str:
    """`stem`, or `stem-N` with the least N ≥ 2 that no judge has."""
    taken = set(session.scalars(sa.select(m.Judge.name).where(m.Judge.name.like(f"{stem}%"))))
    if stem not in taken:
        return stem
    return next(f"{stem}-{n}" for n in range(2, 10_000) if f"{stem}-{n}" not in taken)


def _get(session: Session, run_id: int) -> m.AlignmentRun:
    row = session.get(m.AlignmentRun, run_id)
    if row is None:
        raise NotFoundError(f"no alignment run {run_id}: see `evalign align history JUDGE`")
    return row


def _record(session: Session, row: m.AlignmentRun) -> AlignmentRunRecord:
    version = session.get_one(m.JudgeVersion, row.judge_version_id)
    judge = session.get_one(m.Judge, version.judge_id)
    criterion = session.get(m.Criterion, judge.criterion_id) if judge.criterion_id else None
    accepted = None
    if row.accepted_version_id:
        acc = session.get_one(m.JudgeVersion, row.accepted_version_id)
        accepted = f"{session.get_one(m.Judge, acc.judge_id).name}@{acc.version}"
    return AlignmentRunRecord(
        id=row.id, judge=judge.name, judge_version=version.version, judge_version_id=version.id,
        judge_builtin=judge.builtin, judge_criterion=criterion.name if criterion else None,
        status=row.status, phase=row.phase, config=dict(row.config or {}),
        sources=Sources.model_validate(row.sources or {}),
        phases={k: Phase.model_validate(v) for k, v in (row.phases or {}).items()},
        outcome=parse_outcome(row.outcome), decision=row.decision, accepted_version=accepted,
        error=row.error, created_at=aware(row.created_at), finished_at=aware(row.finished_at),
        heartbeat_at=aware(row.heartbeat_at))
