"""Runs: one judge version applied to one dataset, stored verdict by verdict, resumable.

    pending → running → completed | failed | cancelled

A run ends `failed` when it stopped on an unexpected error (resumable), and also when every one
of its verdicts is an error: a run whose judge never answered readably is not a completed
measurement, however cleanly it ended. Its `error` then says how many and why.

`run_judge` creates the run and executes it; `resume_run` finishes a run whose process died
(even by `kill -9`): work still to do is exactly the (item, sample) pairs without a verdict, so no
item is ever sent to the model twice. `cancel_run` marks a run cancelled; the running process
sees it between items and stops.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import socket
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from evalign.errors import ConfigError, ConflictError
from evalign.items import Item
from evalign.judges.code import CodeJudges
from evalign.judges.fit import check_scale_fits
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.judges.template import check_items
from evalign.providers.base import ModelAPI
from evalign.runner.cache import AnswerCache
from evalign.runner.calls import CacheUse, ManagedModel, judge_one
from evalign.runner.error_counts import count_errors
from evalign.runner.executor import AsyncioExecutor, Executor
from evalign.runner.models import resolve_model
from evalign.runner.retry import RetryPolicy
from evalign.runner.summary import Progress, RunSummary, flip_rates, summarize
from evalign.runner.writer import VerdictWriter
from evalign.store import Store, repo_runs
from evalign.store.repo_comparisons import labeled_criteria
from evalign.store.repo_items import get_dataset, iter_items
from evalign.store.repo_judges import resolve
from evalign.store.repo_reruns import RETRY_OF
from evalign.store.repo_run_items import run_item_count
from evalign.store.repo_verdicts import count_verdicts
from evalign.store.repo_work import work_page

if TYPE_CHECKING:  # the run as `repo_runs` hands it over; only the store reads its table
    from evalign.store.models import Run

ProgressFn = Callable[[Progress], None]
PAGE = 500  # items read per query while streaming the work
HEARTBEAT_S = 2.0
STALE_AFTER = timedelta(seconds=30)


def run_judge(store: Store, judge_ref: str, dataset: str, *, model: str | None = None,
              concurrency: int | None = None, repeat: int = 1, use_cache: bool = True,
              progress: ProgressFn | None = None, code_judges: CodeJudges | None = None,
              policy: RetryPolicy | None = None, provider: ModelAPI | None = None,
              executor: str = "asyncio", ray_address: str | None = None) -> RunSummary:
    """Apply the judge `NAME[@V]` to every item of `dataset`, storing each verdict as it comes.

    Args:
        store: the store.
        judge_ref: `NAME` (accepted version, else latest) or `NAME@V`.
        dataset: the dataset's name.
        model: another model than the version's own.
        concurrency: most model calls in flight (default: 32 remote, 1 local).
        repeat: judge each item this many times; each sample is asked for (and cached) on
            its own.
        use_cache: read and fill the answer cache.
        progress: called after every verdict.
        code_judges: where code judges are looked up.
        policy: retry policy for model calls.
        provider: a provider object to call instead of resolving the model string (its
            `model` is what the run records).
        executor: `asyncio` (this process) or `ray` (shards on a Ray cluster; see
            `evalign.runner.ray_executor`).
        ray_address: the Ray cluster for `ray` (default: `RAY_ADDRESS`, else a local Ray).

    Raises:
        NotFoundError: no such judge or dataset.
        ConfigError: the template names fields the dataset's items lack, or the executor is
            unknown or not installed (nothing is run).
    """
    if repeat < 1:
        raise ConflictError("--repeat must be at least 1")
    check_executor(executor)
    run_id = create_run(store, judge_ref, dataset, repeat=repeat, use_cache=use_cache,
                        model=provider.model if provider is not None else model)
    return launch(store, run_id, executor=executor, ray_address=ray_address,
                  concurrency=concurrency, progress=progress, code_judges=code_judges,
                  policy=policy, provider=provider)


def launch(store: Store, run_id: int, *, executor: str = "asyncio",
           ray_address: str | None = None, concurrency: int | None = None,
           progress: ProgressFn | None = None, code_judges: CodeJudges | None = None,
           policy: RetryPolicy | None = None, provider: ModelAPI | None = None) -> RunSummary:
    """Execute a created run in this process (`asyncio`) or on a Ray cluster (`ray`).

    Raises:
        ConfigError: an unknown executor, or `ray` without Ray installed.
    """
    check_executor(executor)
    if executor == "ray":
        from evalign.runner.ray_executor import execute_on_ray  # Ray is an optional extra

        return execute_on_ray(store, run_id, address=ray_address, concurrency=concurrency,
                              progress=progress, code_judges=code_judges, policy=policy,
                              provider=provider)
    return asyncio.run(execute(store, run_id, concurrency=concurrency, progress=progress,
                               code_judges=code_judges, policy=policy, provider=provider))


def check_executor(executor: str) -> None:
    """Refuse an unknown executor, or `ray` without Ray installed, before any run is made.

    Raises:
        ConfigError: what to use or install instead.
    """
    if executor not in ("asyncio", "ray"):
        raise ConfigError(f"unknown executor {executor!r}: use asyncio or ray")
    if executor == "ray" and importlib.util.find_spec("ray") is None:
        raise ConfigError("--executor ray needs Ray: pip install 'evalign[ray]'")


def create_run(store: Store, judge_ref: str, dataset: str, *, model: str | None = None,
               repeat: int = 1, use_cache: bool = True) -> int:
    """Check the judge against the dataset and create a pending run; returns its id."""
    with store.session() as session:
        version = resolve(session, judge_ref)
        target = get_dataset(session, dataset)
        spec = version.spec
        # the wrong judge for the labels is said as such, not as fields to remap
        first = next(iter_items(session, target.id), None)
        check_scale_fits(version.ref, spec.scale, dataset,
                         {c.name: c.scale for c in labeled_criteria(session, target.id)},
                         fields=first.fields() if first is not None else ())
        if spec.kind != "code":
            check_items(spec.prompt, iter_items(session, target.id), where=f"dataset {dataset!r}")
        run = repo_runs.create_run(
            session, judge_version_id=version.id, dataset_id=target.id,
            model=model or spec.model, params=spec.params, repeat=repeat, use_cache=use_cache)
        return run.id


def resume_run(store: Store, run_id: int, *, concurrency: int | None = None,
               progress: ProgressFn | None = None, code_judges: CodeJudges | None = None,
               policy: RetryPolicy | None = None, provider: ModelAPI | None = None,
               executor: str = "asyncio", ray_address: str | None = None) -> RunSummary:
    """Finish a run that stopped before its end; a completed run is returned as it is.

    Raises:
        ConflictError: the run was cancelled, or another live process is running it.
    """
    with store.session() as session:
        run = repo_runs.get_run(session, run_id)
        if run.status == "completed":
            return summarize(session, run)
        if run.status == "cancelled":
            raise ConflictError(f"run {run_id} was cancelled: start a new run instead")
        if run.status == "running" and _owner_alive(run):
            raise ConflictError(f"run {run_id} is still running in another process "
                                f"({run.counters.get('owner')}); cancel it first")
    return launch(store, run_id, executor=executor, ray_address=ray_address,
                  concurrency=concurrency, progress=progress, code_judges=code_judges,
                  policy=policy, provider=provider)


def cancel_run(store: Store, run_id: int) -> tuple[str, bool]:
    """Cancel a pending or running run; cancelling again, or a finished run, changes nothing.

    Returns:
        The run's status afterwards and whether this call cancelled it.
    """
    with store.session() as session:
        return repo_runs.cancel(session, run_id)


async def execute(store: Store, run_id: int, *, concurrency: int | None = None,
                  progress: ProgressFn | None = None, code_judges: CodeJudges | None = None,
                  policy: RetryPolicy | None = None, executor: Executor | None = None,
                  provider: ModelAPI | None = None) -> RunSummary:
    """Run (or go on running) `run_id` until every (item, sample) has a verdict or it is cancelled.

    Any unexpected failure marks the run failed (resumable) and is raised again.
    """
    job = _Job.load(store, run_id, progress)
    managed = None
    if job.spec.kind != "code":
        cache = AnswerCache(store) if job.use_cache else None
        managed = ManagedModel(provider or resolve_model(job.model), concurrency=concurrency,
                               policy=policy, cache=cache)
        job.managed = managed
    workers = managed.max_concurrency if managed else (concurrency or 8)
    try:
        job.start()
        # Beat in the background too: one slow item (a local model) must not look like a dead
        # process to a worker looking for orphaned runs.
        beating = asyncio.create_task(job.beat())
        try:
            await (executor or AsyncioExecutor(workers)).map(
                job.todo(), lambda unit: job.handle(unit, managed, code_judges),
                should_stop=job.should_stop)
        finally:
            beating.cancel()
            job.writer.flush()  # what finished before a failure or cancel is kept
    except BaseException as exc:
        interrupted = isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError))
        job.finish("failed", error=(
            f"interrupted (Ctrl+C or a signal) before every item had a verdict: `evalign run "
            f"--resume {run_id}` finishes it" if interrupted else
            f"{type(exc).__name__}: {exc}" if str(exc) else repr(exc)))
        raise
    finally:
        if managed is not None and provider is None:
            await managed.aclose()
    job.finish(*job.outcome())
    with store.session() as session:
        return summarize(session, repo_runs.get_run(session, run_id))


class _Job:
    """One process's share of a run: the work left, live counters, heartbeat, cancellation."""

    def __init__(self, store: Store, run: Run, spec: JudgeSpec, total: int, done: int,
                 progress: ProgressFn | None):
        self.store, self.run_id, self.spec = store, run.id, spec
        self.model, self.use_cache, self.repeat = run.model, run.use_cache, run.repeat
        self.dataset_id = run.dataset_id
        self.previous = dict(run.counters or {})
        self.live = Progress(total=total * run.repeat, done=done, run=run.id)
        self.progress = progress
        self.writer = VerdictWriter(store, run.id, self._saved)
        self.managed: ManagedModel | None = None
        self.started = time.monotonic()
        self._beat = 0.0
        self._cancelled = False

    @classmethod
    def load(cls, store: Store, run_id: int, progress: ProgressFn | None) -> _Job:
        with store.session() as session:
            run = repo_runs.get_run(session, run_id)
            spec = repo_runs.judge_spec(session, run).model_copy(update={"model": run.model})
            done = count_verdicts(session, run_id)
            total = run_item_count(session, run.id, run.dataset_id)
            return cls(store, run, spec, total, done, progress)

    def todo(self) -> Iterator[tuple[Item, int]]:
        """The (item, sample) pairs without a verdict, read page by page as workers ask.

        Each page is read in its own short transaction, with the verdicts stored for its items,
        so memory stays flat however large the dataset is.
        """
        last = -1
        while True:
            with self.store.session() as session:
                page = work_page(session, self.run_id, self.dataset_id, after=last, limit=PAGE)
            if page is None:
                return
            last = page.last
            for item in page.items:
                yield from ((item, sample) for sample in range(self.repeat)
                            if (item.id, sample) not in page.done)

    def start(self) -> None:
        owner = {"host": socket.gethostname(), "pid": os.getpid()}
        with self.store.session() as session:
            repo_runs.mark_running(session, self.run_id, {**self.previous, "owner": owner})
        if self.progress is not None:  # shows the run (and its id) before the first verdict
            self.progress(self.live)

    async def handle(self, unit: tuple[Item, int], model: ManagedModel | None,
                     code_judges: CodeJudges | None) -> None:
        item, sample = unit
        verdict, stats = await judge_one(self.spec, item, model, code_judges=code_judges,
                                         use_cache=self.use_cache, sample=sample)
        await self.writer.add(verdict, stats.calls)

    def _saved(self, verdict: Verdict, calls: int) -> None:
        self.live.add(verdict, calls)
        if self.progress is not None:
            self.progress(self.live)

    def should_stop(self) -> bool:
        """True once the run was cancelled; checks the store at most every HEARTBEAT_S."""
        if self._cancelled:
            return True
        if time.monotonic() - self._beat >= HEARTBEAT_S:
            self._beat = time.monotonic()
            self._cancelled = not self._heartbeat()
        return self._cancelled

    async def beat(self) -> None:
        """Record liveness every HEARTBEAT_S until cancelled (by the caller)."""
        while True:
            await asyncio.sleep(max(HEARTBEAT_S, 0.05))
            self._beat = time.monotonic()
            self._cancelled = self._cancelled or not self._heartbeat()

    def _heartbeat(self) -> bool:
        """Record liveness and live counters; False when the run is no longer running."""
        with self.store.session() as session:
            return repo_runs.beat(session, self.run_id, self._counters())

    def outcome(self) -> tuple[str, str | None]:
        """The status a run that went through all its work ends in, and its error."""
        with self.store.session() as session:
            counts = count_errors(session, self.run_id)
        if counts.total == 0 or counts.errors < counts.total:
            return "completed", None
        causes = ", ".join(f"{n} {label}" for label, n in counts.causes())
        retry = (f": `evalign run --resume {self.run_id} --retry-errors` asks the failed calls "
                 "again once the endpoint answers" if counts.provider else "")
        return "failed", f"all {counts.total} verdicts are errors ({causes}){retry}"

    def finish(self, status: str, error: str | None = None) -> None:
        """Move a running run to `status`; a run cancelled meanwhile stays cancelled."""
        with self.store.session() as session:
            counters = self._counters(final=True)
            if self.repeat > 1:
                rates = flip_rates(session, self.run_id)
                counters["flip_rates"] = {str(item): rate for item, rate in rates.items()}
            repo_runs.finish(session, self.run_id, status, error=error, counters=counters)

    def _counters(self, *, final: bool = False) -> dict[str, Any]:
        previous = self.previous
        # No model calls here: the store adds them with their verdicts (`Run.calls`), which
        # this process's count could only lag behind after a `kill -9`.
        counters: dict[str, Any] = {
            "wall_s": round(float(previous.get("wall_s", 0.0))
                            + time.monotonic() - self.started, 3),
            "sessions": int(previous.get("sessions", 0)) + 1,
        }
        if RETRY_OF in previous:  # which run this one retries, for as long as it lives
            counters[RETRY_OF] = previous[RETRY_OF]
        if self.managed is not None:
            counters["endpoint"] = self.managed.endpoint
            cached_from = _cached_from(previous.get("cached_from"), self.managed.cache_use)
            if cached_from is not None:
                counters["cached_from"] = cached_from
        if not final:
            counters["owner"] = {"host": socket.gethostname(), "pid": os.getpid()}
        return counters


def _cached_from(previous: Any, use: CacheUse) -> dict[str, str] | None:
    """The time span of the cached answers used, over this session and earlier ones (ISO)."""
    span = [str(t) for t in (previous or {}).values() if t]
    span += [aware.isoformat() for t in (use.oldest, use.newest)
             if (aware := repo_runs.aware(t)) is not None]
    return {"oldest": min(span), "newest": max(span)} if span else None


def _owner_alive(run: Run) -> bool:
    owner = (run.counters or {}).get("owner") or {}
    if owner.get("host") == socket.gethostname() and isinstance(owner.get("pid"), int):
        if owner["pid"] == os.getpid():
            return False  # this process is not running it: it is asking to resume it
        try:
            os.kill(owner["pid"], 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    beat = repo_runs.aware(run.heartbeat_at)
    return beat is not None and repo_runs.now() - beat < STALE_AFTER
