"""Alignment runs in the store: start, execute (in any thread), cancel, accept, reject, history.

    pending ──execute──▶ running ──▶ aligned | error | cancelled
       └──────cancel──────────────────────────▶ cancelled

Phases, each with status, progress and timing in `alignment_runs.phases`: loading annotations →
building disagreement traces → distilling guidelines → verifying → finalizing. `execute_alignment`
re-reads the status between steps, so `cancel_alignment` from another thread or process stops it.
Accepting makes the candidate the judge's next version; a built-in judge is forked first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from evalign.align.checks import edit_checks
from evalign.align.config import AlignConfig
from evalign.align.load import load_dataset, load_runs, sample_examples
from evalign.align.outcome import json_safe
from evalign.align.pipeline import Cancelled, run_pipeline
from evalign.align.split import check_enough
from evalign.errors import ConflictError, NotFoundError
from evalign.judges.serialize import spec_from_dict
from evalign.providers.base import ModelAPI
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_judges import add_version, fork, get_judge, get_version
from evalign.store.repo_runs import now

PHASES = ("loading annotations", "building disagreement traces", "distilling guidelines",
          "verifying", "finalizing")
FINAL = ("aligned", "error", "cancelled")


@dataclass(frozen=True)
class AlignmentRun:
    """An alignment run as stored (a detached record)."""

    id: int
    judge: str
    judge_version: int
    status: str
    phase: str | None
    config: dict[str, Any]
    sources: dict[str, Any]
    phases: dict[str, Any]
    outcome: dict[str, Any]
    decision: str | None
    accepted_version: str | None
    error: str | None
    created_at: Any
    finished_at: Any

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the `--json` shape of `align status`)."""
        return {"run": self.id, "judge": f"{self.judge}@{self.judge_version}",
                "status": self.status, "phase": self.phase, "decision": self.decision,
                "accepted_version": self.accepted_version, "error": self.error,
                "created_at": str(self.created_at), "finished_at": str(self.finished_at or ""),
                "sources": self.sources, "config": self.config, "phases": self.phases} | {
                    k: v for k, v in self.outcome.items() if k not in ("run", "status")}


def start_alignment(store: Store, judge: str, config: AlignConfig) -> int:
    """Create a pending alignment run of `judge` (`NAME[@V]`) and return its id.

    Raises:
        NotFoundError: the judge, dataset or a source run does not exist.
        UserError: too few labeled items for the split (nothing is created).
    """
    with store.session() as session:
        version = get_version(session, judge)
        config.validate_sources(session)
        _check_labels(session, config, version)
        row = m.AlignmentRun(judge_version_id=version.id, status="pending", config=config.dump(),
                             sources=config.sources(), phases={p: {"status": "waiting"}
                                                               for p in PHASES})
        session.add(row)
        session.flush()
        return row.id


def execute_alignment(store: Store, run_id: int, *,
                      models: Mapping[str, ModelAPI] | None = None) -> AlignmentRun:
    """Run a pending alignment run to its end (blocking; safe to call in a worker thread).

    Args:
        store: the store holding the run.
        run_id: the run (a run that is not pending is returned as it is).
        models: provider objects by role (`judge`, `reflection`, `verify`) that replace the
            configured model strings, e.g. scripted models in tests or an already loaded model.
    """
    with store.session() as session:
        row = _get(session, run_id)
        if row.status != "pending":
            return _record(session, row)
        row.status, row.started_at, row.heartbeat_at = "running", now(), now()
    tracker = _Tracker(store, run_id)
    try:
        outcome = asyncio.run(run_pipeline(store, run_id, tracker, models))
    except Cancelled:
        tracker.close("cancelled")
    except BaseException as exc:
        tracker.close("error", error=str(exc) or type(exc).__name__)
        raise
    else:
        tracker.finish(outcome)
    return get_alignment(store, run_id)


def cancel_alignment(store: Store, run_id: int) -> AlignmentRun:
    """Cancel a pending or running run; a finished or cancelled run is left as it is."""
    with store.session() as session:
        row = _get(session, run_id)
        if row.status in ("pending", "running"):
            row.status, row.finished_at = "cancelled", now()
        return _record(session, row)


def accept_alignment(store: Store, run_id: int, *, name: str | None = None,
                     checks: dict[str, Any] | None = None) -> AlignmentRun:
    """Make the candidate the judge's next (accepted) version; fork a built-in judge first.

    Args:
        checks: an edit of a decomposed candidate's checks (`evalign.align.checks`), applied
            to the saved version; the provenance records that it was edited.

    Raises:
        ConflictError: the run is not aligned, or was already rejected or accepted.
        ConfigError: `checks` is given for a candidate that is not decomposed, or is invalid.
    """
    with store.session() as session:
        row = _get(session, run_id)
        _decidable(row)
        base = session.get_one(m.JudgeVersion, row.judge_version_id)
        judge = session.get_one(m.Judge, base.judge_id)
        spec = spec_from_dict(row.outcome["candidate_spec"], source=f"alignment run {run_id}")
        if checks is not None:
            spec = edit_checks(spec, checks)
        provenance = {"alignment_run": run_id, "from": f"{judge.name}@{base.version}",
                      "strategy": row.outcome.get("strategy"),
                      "sources": row.sources, "checks_edited": checks is not None}
        target = judge.name
        if judge.builtin:
            target = name or _free_name(session, f"{judge.name}-aligned")
            fork(session, f"{judge.name}@{base.version}", target)
        info = add_version(session, target, spec, provenance=provenance, make_current=True)
        row.decision, row.accepted_version_id, row.candidate_version_id = \
            "accepted", info.id, info.id
        return _record(session, row)


def reject_alignment(store: Store, run_id: int) -> AlignmentRun:
    """Record that the candidate was rejected (the judge is unchanged)."""
    with store.session() as session:
        row = _get(session, run_id)
        _decidable(row)
        row.decision = "rejected"
        return _record(session, row)


def get_alignment(store: Store, run_id: int) -> AlignmentRun:
    """The run as a record."""
    with store.session() as session:
        return _record(session, _get(session, run_id))


def alignment_history(store: Store, judge: str) -> list[AlignmentRun]:
    """Every alignment run of the judge (any version), newest first."""
    with store.session() as session:
        found = get_judge(session, judge)
        query = (sa.select(m.AlignmentRun)
                 .join(m.JudgeVersion, m.JudgeVersion.id == m.AlignmentRun.judge_version_id)
                 .where(m.JudgeVersion.judge_id == found.id)
                 .order_by(m.AlignmentRun.created_at.desc(), m.AlignmentRun.id.desc()))
        return [_record(session, row) for row in session.scalars(query)]


class _Tracker:
    """Writes phase progress and timing; raises `Cancelled` when the run was cancelled."""

    def __init__(self, store: Store, run_id: int):
        self.store, self.run_id = store, run_id
        self.current: str | None = None
        self.started = time.perf_counter()
        self.phase_started = self.started

    def phase(self, name: str, **extra: Any) -> None:
        """Close the current phase and open `name`."""
        with self.store.session() as session:
            row = _get(session, self.run_id)
            if row.status == "cancelled":
                raise Cancelled()
            phases = dict(row.phases)
            self._close_current(phases)
            phases[name] = {"status": "running", "started_at": str(now()), **extra}
            row.phases, row.phase, row.heartbeat_at = phases, name, now()
        self.current, self.phase_started = name, time.perf_counter()

    def progress(self, done: int, total: int, **extra: Any) -> None:
        """Update the current phase's progress; raise `Cancelled` when cancelled."""
        with self.store.session() as session:
            row = _get(session, self.run_id)
            if row.status == "cancelled":
                raise Cancelled()
            phases = dict(row.phases)
            if self.current:
                phases[self.current] = dict(phases[self.current], done=done, total=total,
                                            **extra)
            row.phases, row.heartbeat_at = phases, now()

    def check(self) -> None:
        """Raise `Cancelled` when the run was cancelled (and beat the heartbeat)."""
        with self.store.session() as session:
            row = _get(session, self.run_id)
            if row.status == "cancelled":
                raise Cancelled()
            row.heartbeat_at = now()

    def finish(self, outcome: dict[str, Any]) -> None:
        """Store the outcome and mark the run aligned (unless it was cancelled meanwhile)."""
        with self.store.session() as session:
            row = _get(session, self.run_id)
            if row.status == "cancelled":
                return
            phases = dict(row.phases)
            self._close_current(phases)
            outcome["wall_s"] = round(time.perf_counter() - self.started, 3)
            row.phases, row.outcome, row.status = phases, json_safe(outcome), "aligned"
            row.phase, row.finished_at = None, now()

    def close(self, status: str, error: str | None = None) -> None:
        """End the run as `status`, keeping the phases reached."""
        with self.store.session() as session:
            row = _get(session, self.run_id)
            phases = dict(row.phases)
            self._close_current(phases, status="cancelled" if status == "cancelled" else "error")
            row.phases, row.error, row.finished_at = phases, error, now()
            row.status = status

    def _close_current(self, phases: dict[str, Any], status: str = "done") -> None:
        if self.current and self.current in phases:
            seconds = round(time.perf_counter() - self.phase_started, 3)
            phases[self.current] = dict(phases[self.current], status=status, seconds=seconds)


def _check_labels(session: Any, config: AlignConfig, version: m.JudgeVersion) -> None:
    """Refuse up front labeled items too few for the split (the pipeline loads them again)."""
    judge = session.get_one(m.Judge, version.judge_id)
    row = session.get(m.Criterion, judge.criterion_id) if judge.criterion_id else None
    criterion = config.criterion or (row.name if row else None)
    loaded = (load_dataset(session, config.dataset, criterion) if config.dataset else
              load_runs(session, config.from_runs, version.id, criterion))
    if config.sample:
        loaded = sample_examples(loaded, config.sample, config.group_by, config.seed)
    check_enough(loaded.examples, config.ratios, folds=config.folds, group_by=config.group_by)


def _get(session: Any, run_id: int) -> m.AlignmentRun:
    row = session.get(m.AlignmentRun, run_id)
    if row is None:
        raise NotFoundError(f"no alignment run {run_id}: see `evalign align history JUDGE`")
    return row  # type: ignore[no-any-return]


def _decidable(row: m.AlignmentRun) -> None:
    if row.status != "aligned":
        raise ConflictError(f"alignment run {row.id} is {row.status}: only an aligned run's "
                            "candidate can be accepted or rejected")
    if row.decision is not None:
        raise ConflictError(f"alignment run {row.id} was already {row.decision}")


def _free_name(session: Any, stem: str) -> str:
    taken = set(session.scalars(sa.select(m.Judge.name).where(m.Judge.name.like(f"{stem}%"))))
    if stem not in taken:
        return stem
    return next(f"{stem}-{n}" for n in range(2, 10_000) if f"{stem}-{n}" not in taken)


def _record(session: Any, row: m.AlignmentRun) -> AlignmentRun:
    version = session.get_one(m.JudgeVersion, row.judge_version_id)
    judge = session.get_one(m.Judge, version.judge_id)
    accepted = None
    if row.accepted_version_id:
        acc = session.get_one(m.JudgeVersion, row.accepted_version_id)
        accepted = f"{session.get_one(m.Judge, acc.judge_id).name}@{acc.version}"
    return AlignmentRun(
        id=row.id, judge=judge.name, judge_version=version.version, status=row.status,
        phase=row.phase, config=dict(row.config or {}), sources=dict(row.sources or {}),
        phases=dict(row.phases or {}), outcome=dict(row.outcome or {}), decision=row.decision,
        accepted_version=accepted, error=row.error, created_at=row.created_at,
        finished_at=row.finished_at)


def history_rows(runs: Sequence[AlignmentRun]) -> list[dict[str, Any]]:
    """The history as rows: id, status, created, sources, outcome summary."""
    return [{"run": r.id, "judge": f"{r.judge}@{r.judge_version}", "status": r.status,
             "created_at": str(r.created_at), "sources": r.sources,
             "decision": r.decision, "strategy": r.outcome.get("strategy"),
             "baseline_agreement": (r.outcome.get("baseline") or {}).get("agreement"),
             "candidate_agreement": (r.outcome.get("candidate") or {}).get("agreement"),
             "conclusion": r.outcome.get("conclusion")} for r in runs]
