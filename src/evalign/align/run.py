"""Alignment runs in the store: start, execute (in any thread), cancel, accept, reject, history.

    pending ──execute──▶ running ──▶ aligned | error | cancelled
       └──────cancel──────────────────────────▶ cancelled

Phases, each with status, progress and timing in `alignment_runs.phases`: loading annotations →
building disagreement traces → one phase per chosen strategy → verifying (→ refitting, with
K folds) → finalizing (`strategies.registry.phases_for`). `execute_alignment`
re-reads the status between steps, so `cancel_alignment` from another thread or process stops it.
Accepting makes the candidate the judge's next version; a built-in judge is forked first.
With `AlignConfig.executor == "ray"` the judge's scoring runs on Ray workers
(`evalign.runner.ray_scoring`) for the whole run; everything else stays in this process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from evalign.align.checks import dropped_by_edit, edit_checks
from evalign.align.config import AlignConfig
from evalign.align.liveness import Pulse, stall_note
from evalign.align.load import load_dataset, load_runs, sample_examples
from evalign.align.outcome import json_safe, recommendation
from evalign.align.pipeline import Cancelled, run_pipeline
from evalign.align.priced import check_cost_tracked
from evalign.align.scoring import InProcess, ScoringExecutor
from evalign.align.split import check_enough, check_group_field, check_sample_enough
from evalign.align.strategies.registry import phases_for
from evalign.errors import ConflictError
from evalign.judges.fit import check_scale_fits
from evalign.judges.serialize import spec_from_dict
from evalign.judges.template import check_items, template_fields
from evalign.providers.base import ModelAPI
from evalign.runner.ray_cluster import refuse_memory_store
from evalign.runner.run import check_executor
from evalign.store import Store
from evalign.store import repo_alignment_runs as repo
from evalign.store.alignment_outcome import AlignmentOutcome, Figures
from evalign.store.repo_alignment_runs import AlignmentRunRecord
from evalign.store.repo_comparisons import dataset_id, labeled_criteria
from evalign.store.repo_items import iter_items
from evalign.store.repo_judges import add_version, fork, get_judge, resolve
from evalign.store.repo_runs import now

FINAL = repo.FINAL

AlignmentRun = AlignmentRunRecord
"""An alignment run as stored (a detached record with a typed outcome)."""


def start_alignment(store: Store, judge: str, config: AlignConfig, *, held: bool = False
                    ) -> int:
    """Create a pending alignment run of `judge` (`NAME[@V]`) and return its id.

    With `held`, the run is created already running, for this process to execute at once
    (`execute_alignment(..., held=True)`): a worker watching the same store never takes it.

    Raises:
        NotFoundError: the judge, dataset or a source run does not exist.
        UserError: too few labeled items for the split (nothing is created).
        ConfigError: the `ray` executor without Ray installed, or with an in-memory store
            its workers cannot open; or a cost budget with a model of unknown price (nothing
            is created).
    """
    check_executor(config.executor)
    if config.executor == "ray":
        refuse_memory_store(store.url)
    with store.session() as session:
        version = resolve(session, judge)
        check_cost_tracked(config, version.spec)
        config.validate_sources(session, version)
        if config.dataset:  # the wrong judge for the labels, said before their fields
            target = dataset_id(session, config.dataset)
            first = next(iter_items(session, target), None)
            check_scale_fits(version.ref, version.spec.scale, config.dataset, {
                c.name: c.scale for c in labeled_criteria(session, target)}, command="align",
                fields=first.fields() if first is not None else ())
        _check_labels(session, config, version.id, version.criterion,
                      "" if version.spec.kind == "code" else version.spec.prompt)
        return repo.create_alignment_run(session, judge_version_id=version.id,
                                         config=config.dump(), sources=config.sources(),
                                         phases=phases_for(config.strategies,
                                                                   folds=config.folds),
                                         held=held)


def execute_alignment(store: Store, run_id: int, *,
                      models: Mapping[str, ModelAPI] | None = None,
                      held: bool = False) -> AlignmentRun:
    """Run a pending alignment run to its end (blocking; safe to call in a worker thread).

    Args:
        store: the store holding the run.
        run_id: the run (a run that is not pending is returned as it is).
        models: provider objects by role (`judge`, `reflection`, `verify`) that replace the
            configured model strings, e.g. scripted models in tests or an already loaded model.
            With the `ray` executor each Ray worker gets a copy of the judge's (a local model:
            its name, each worker loading the file once).
        held: the run was created held by this process (`start_alignment(..., held=True)`).
    """
    with store.session() as session:
        claimed = repo.claim_alignment(session, run_id) if not held else \
            repo.get_alignment_run(session, run_id).status == "running"
        if not claimed:
            return repo.get_alignment_run(session, run_id)
        config = AlignConfig.model_validate(repo.get_alignment_run(session, run_id).config)
    tracker = _Tracker(store, run_id)
    try:
        with Pulse(store, run_id), scoring_executor(config) as executor:
            outcome = asyncio.run(run_pipeline(store, run_id, tracker, models, executor))
    except Cancelled:
        tracker.close("cancelled")
    except BaseException as exc:
        tracker.close("error", error=str(exc) or type(exc).__name__)
        raise
    else:
        tracker.finish(outcome)
    return get_alignment(store, run_id)


@contextmanager
def scoring_executor(config: AlignConfig) -> Iterator[ScoringExecutor]:
    """Where the run's judge scoring happens, open for the whole run (`config.executor`).

    `ray` joins the cluster (`config.ray_address`, else `RAY_ADDRESS`, else a Ray started
    here and stopped at the end) and keeps one pool of workers per judge model.

    Raises:
        ConfigError: `ray` without Ray installed.
    """
    if config.executor != "ray":
        yield InProcess()
        return
    from evalign.runner.ray_scoring import RayScoring  # Ray is an optional extra

    with RayScoring(address=config.ray_address) as scoring:
        yield scoring


def cancel_alignment(store: Store, run_id: int) -> AlignmentRun:
    """Cancel a pending or running run; a finished or cancelled run is left as it is."""
    with store.session() as session:
        return repo.cancel_alignment_run(session, run_id)


def accept_alignment(store: Store, run_id: int, *, name: str | None = None,
                     checks: dict[str, Any] | None = None, force: bool = False,
                     over_current: bool = False) -> AlignmentRun:
    """Make the candidate the judge's next (accepted) version; fork a built-in judge first.

    Args:
        checks: an edit of a decomposed candidate's checks (`evalign.align.checks`), applied
            to the saved version; the provenance records that it was edited.
        force: accept a candidate that is not recommended (it does not beat the baseline
            judge and every trivial baseline on test); the provenance records it.
        over_current: accept although the run aligned a version that is no longer the
            judge's current one (the candidate, built from the older version, replaces the
            current version's changes); the provenance records the version replaced.

    Raises:
        ConflictError: the run is not aligned, was already rejected or accepted, its base
            version is no longer the judge's current version and `over_current` is False
            (the message names both), or its candidate is not recommended and `force` is
            False (the message gives the figures).
        ConfigError: `checks` is given for a candidate that is not decomposed, or is invalid.
    """
    with store.session() as session:
        run = repo.get_alignment_run(session, run_id)
        repo.check_decidable(run)
        assert run.outcome is not None  # an aligned run always has one
        base = f"{run.judge}@{run.judge_version}"
        # A built-in judge is forked to a new name: no current version of it is replaced.
        current = None if run.judge_builtin else resolve(session, run.judge)
        replaced = current.ref if current and current.version != run.judge_version else None
        if current is not None and replaced is not None and not over_current:
            raise ConflictError(
                f"alignment run {run_id} aligned {base}, but {replaced} is the judge's current "
                f"version (created {current.created_at.isoformat(timespec='minutes')}); "
                f"accepting would make a version built from {base} current and drop what "
                f"{replaced} changed. Align {replaced} again (`evalign align {replaced} ...`), "
                "or accept with --over-current; nothing was accepted")
        spec = spec_from_dict(run.outcome.candidate_spec, source=f"alignment run {run_id}")
        dropped: list[str] = []
        if checks is not None:
            dropped = dropped_by_edit(spec, checks)
            spec = edit_checks(spec, checks)
        # recomputed from the figures, as `align status` shows it (older runs stored none)
        recommended, why = recommendation(run.outcome.to_dict())
        if not recommended and not force:
            raise ConflictError(f"alignment run {run_id}: {why}; nothing was accepted. Accept "
                                "it anyway with --force, or reject it")
        provenance = {"alignment_run": run_id, "from": base, "strategy": run.outcome.strategy,
                      "sources": run.sources.model_dump(mode="json"),
                      "checks_edited": checks is not None,
                      # an edited version was never scored on test: nothing vouches for it
                      "recommended": recommended and checks is None,
                      "untested": checks is not None, "dropped": dropped}
        if replaced is not None:
            provenance["replaced"] = replaced  # accepted over a newer current version
        target = run.judge
        if run.judge_builtin:
            target = name or repo.free_judge_name(session, f"{run.judge}-aligned")
            # bound to the criterion named for the alignment, so its runs report on it
            fork(session, base, target, criterion=run.config.get("criterion"))
        info = add_version(session, target, spec, provenance=provenance, make_current=True)
        return repo.record_decision(session, run_id, "accepted", info.id)


def reject_alignment(store: Store, run_id: int) -> AlignmentRun:
    """Record that the candidate was rejected (the judge is unchanged)."""
    with store.session() as session:
        return repo.record_decision(session, run_id, "rejected")


def get_alignment(store: Store, run_id: int) -> AlignmentRun:
    """The run as a record."""
    with store.session() as session:
        return repo.get_alignment_run(session, run_id)


def alignment_history(store: Store, judge: str) -> list[AlignmentRun]:
    """Every alignment run of the judge (any version), newest first."""
    with store.session() as session:
        found = get_judge(session, judge)  # raises NotFoundError, listing the judges
        return [repo.get_alignment_run(session, i)
                for i in repo.alignment_run_ids(session, judge=found.name)]


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
            phases = repo.stored_phases(session, self.run_id)
            self._close_current(phases)
            phases[name] = {"status": "running", "started_at": str(now()), **extra}
            status = repo.write_progress(session, self.run_id, phases, name, set_phase=True)
        if status == "cancelled":
            raise Cancelled()
        self.current, self.phase_started = name, time.perf_counter()

    def progress(self, done: int, total: int, **extra: Any) -> None:
        """Update the current phase's progress; raise `Cancelled` when cancelled."""
        with self.store.session() as session:
            phases = repo.stored_phases(session, self.run_id)
            if self.current:
                phases[self.current] = dict(phases[self.current], done=done, total=total,
                                            **extra)
            status = repo.write_progress(session, self.run_id, json_safe(phases))
        if status == "cancelled":
            raise Cancelled()

    def check(self) -> None:
        """Raise `Cancelled` when the run was cancelled (and beat the heartbeat)."""
        with self.store.session() as session:
            status = repo.heartbeat(session, self.run_id)
        if status == "cancelled":
            raise Cancelled()

    def finish(self, outcome: dict[str, Any]) -> None:
        """Store the outcome and mark the run aligned (unless it was cancelled meanwhile)."""
        outcome["wall_s"] = round(time.perf_counter() - self.started, 3)
        typed = AlignmentOutcome.model_validate(json_safe(outcome))
        with self.store.session() as session:
            phases = repo.stored_phases(session, self.run_id)
            self._close_current(phases)
            repo.finish_alignment(session, self.run_id, phases, typed)

    def close(self, status: str, error: str | None = None) -> None:
        """End the run as `status`, keeping the phases reached."""
        with self.store.session() as session:
            phases = repo.stored_phases(session, self.run_id)
            self._close_current(phases, status="cancelled" if status == "cancelled" else "error")
            repo.close_alignment(session, self.run_id, status, phases, error)

    def _close_current(self, phases: dict[str, Any], status: str = "done") -> None:
        if self.current and self.current in phases:
            seconds = round(time.perf_counter() - self.phase_started, 3)
            phases[self.current] = dict(phases[self.current], status=status, seconds=seconds)


def _check_labels(session: Any, config: AlignConfig, version_id: int,
                  judge_criterion: str | None, prompt: str = "") -> None:
    """Refuse up front labeled items too few for the split, lacking the grouping field, or
    lacking a field the judge's `prompt` names (the pipeline loads them again)."""
    criterion = config.criterion or judge_criterion
    loaded = (load_dataset(session, config.dataset, criterion) if config.dataset else
              load_runs(session, config.from_runs, version_id, criterion))
    check_group_field(loaded.examples, config.group_by)
    if config.sample:
        full = loaded.examples
        loaded = sample_examples(loaded, config.sample, config.group_by, config.seed)
        check_sample_enough(full, loaded.examples, config.sample, config.ratios,
                            folds=config.folds, group_by=config.group_by)
    check_enough(loaded.examples, config.ratios, folds=config.folds, group_by=config.group_by)
    if template_fields(prompt):
        where = f"dataset {config.dataset!r}" if config.dataset else "the source runs"
        check_items(prompt, (e.item for e in loaded.examples), where=where)


def history_rows(runs: Sequence[AlignmentRun]) -> list[dict[str, Any]]:
    """The history as rows: id, status (with `stalled`, `liveness.stall_note`), created,
    sources, outcome summary (test agreement, 0–1, and for a numeric judge against numeric
    labels the test MAE on 0–100, else None)."""
    return [{"run": r.id, "judge": f"{r.judge}@{r.judge_version}", "status": r.status,
             "stalled": stall_note(r),
             "created_at": str(r.created_at), "sources": r.sources.model_dump(mode="json"),
             "decision": r.decision, "strategy": r.outcome.strategy if r.outcome else None,
             "baseline_agreement": r.outcome.baseline.agreement if r.outcome else None,
             "candidate_agreement": r.outcome.candidate.agreement if r.outcome else None,
             "baseline_mae": _mae(r.outcome.baseline) if r.outcome else None,
             "candidate_mae": _mae(r.outcome.candidate) if r.outcome else None,
             "conclusion": r.outcome.conclusion if r.outcome else None} for r in runs]


def _mae(figures: Figures) -> float | None:
    return figures.numeric.mae if figures.numeric else None
