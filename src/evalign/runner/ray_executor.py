"""The Ray executor: a run's pending work judged in shards by workers on a Ray cluster.

    evalign run JUDGE --dataset D --executor ray [--ray-address ADDR]

The driver (the process that runs `evalign run`) owns the run exactly as the in-process runner
does — it marks it running, beats its heartbeat, notices a cancel, and sets its final status —
and reads the (item, sample) units still without a verdict from the store page by page. It cuts
them into shards and keeps every worker fed with `DEPTH` shards at a time; workers are Ray actors
(`evalign.runner.shard.ShardWorker`), sized by `evalign.runner.ray_cluster.plan_pool` (one per
CPU for a remote provider; one per CPU set of llama.cpp threads for a local model, which each
worker loads once and keeps for the run), each running evalign's own async runner on its shard
and storing verdicts itself by group commit. One `SharedLimiter` actor bounds the calls in
flight over every worker of a remote provider, with the runner's slow start and back-off.

What one process guarantees holds here too. The store decides what is left: a killed driver's
run is finished by `evalign run --resume RUN --executor ray`. A worker whose process dies is
restarted by Ray and its shard run again (`max_restarts`, `max_task_retries`); the new attempt
skips every unit already stored, so no stored item is sent to the model twice and none is lost.
The cache, `--repeat` and cancel work as in one process, because the workers use the same
`judge_one`, cache keys and run status.

The store must be reachable from every worker: a SQLite file works with a local Ray (one
machine); a cluster of several machines needs PostgreSQL. The driver forwards the provider
settings in its environment (`OPENAI_*`, `ANTHROPIC_*`, `AZURE_*`, `EVALIGN_*`, `HF_*`) to the
workers of a cluster it joined through Ray's runtime environment (a Ray it starts itself
inherits them).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from evalign.judges.code import CodeJudges
from evalign.providers.base import ModelAPI
from evalign.runner.calls import CacheUse, ManagedModel
from evalign.runner.models import resolve_model
from evalign.runner.ray_cluster import (
    PoolPlan,
    connect,
    forwarded_env,
    import_ray,
    is_in_process,
    joins_cluster,
    plan_pool,
    portable,
    refuse_memory_store,
)
from evalign.runner.retry import RetryPolicy
from evalign.runner.run import ProgressFn, _Job
from evalign.runner.shard import ShardJob, ShardResult, ShardWorker, Unit
from evalign.runner.shared_limiter import SharedLimiter
from evalign.runner.summary import RunSummary, summarize
from evalign.store import Store, repo_runs

SHARD = 128  # units per shard: small enough to spread, large enough to keep calls in flight
DEPTH = 2  # shards a worker holds at once, so it never idles between two shards
RETRIES = 3  # restarts of a dead worker, and runs of a shard whose worker died


@dataclass
class RayStats:
    """What the workers reported, for benchmarks: per-shard CPU, peak memory per worker.

    Attributes:
        shards: shards finished.
        skipped: units found already stored when a shard started (shards run again).
        cpu_s: CPU seconds the worker processes spent (from each worker's start to its last
            shard; shards judged at once by one worker are counted once).
        peak_rss_mb: peak resident memory of each worker process, by `host:pid`.
        limiter: the shared limiter's last state (limit, in flight, peak, slots leased, the
            lease and return calls the workers made).
        model_loads: for an in-process model, how many times each worker (`host:pid`) read
            the model's weights (1 each: once per worker, not once per shard).
        plan: the pool the run got (workers, CPUs each, llama.cpp threads).
    """

    shards: int = 0
    skipped: int = 0
    cpu_s: float = 0.0
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    limiter: dict[str, int] = field(default_factory=dict)
    model_loads: dict[str, int] = field(default_factory=dict)
    plan: PoolPlan | None = None


def execute_on_ray(store: Store, run_id: int, *, address: str | None = None,
                   concurrency: int | None = None, progress: ProgressFn | None = None,
                   code_judges: CodeJudges | None = None, policy: RetryPolicy | None = None,
                   provider: ModelAPI | None = None, workers: int | None = None,
                   worker_cpus: int | None = None, shard_size: int = SHARD,
                   stats: RayStats | None = None) -> RunSummary:
    """Run (or go on running) `run_id` on Ray until every unit has a verdict or it is cancelled.

    Args:
        store: the store; every worker opens it by its URL.
        run_id: the run.
        address: the Ray cluster (`ray://…` or `host:port`); None: `RAY_ADDRESS`, else a Ray
            already started in this process, else a local one started (and stopped) here.
        concurrency: the most calls in flight over the cluster (default: adaptive, as in one
            process: slow start from the provider's default up to 256).
        progress: called after each shard's verdicts are counted.
        code_judges: where code judges are looked up (sent to the workers).
        policy: the retry policy.
        provider: a provider object to copy into each worker instead of the run's model.
        workers: how many workers (default `EVALIGN_RAY_WORKERS`, else as many as the
            cluster's CPUs hold at `worker_cpus` each).
        worker_cpus: CPUs each worker reserves (default `EVALIGN_RAY_THREADS`, else 1; 2 for
            an in-process model, whose llama.cpp threads are set to the same number).
        shard_size: units per shard.
        stats: filled with what the workers reported (CPU, memory), when given.

    Raises:
        ConfigError: Ray is not installed, or the store is in memory (workers cannot reach it).
        ConflictError: as `execute`.
    """
    ray = import_ray()
    refuse_memory_store(store.url)
    # Workers of a Ray this call starts inherit this environment; a cluster's do not.
    joined = joins_cluster(ray, address)
    started_here = connect(ray, address)
    try:
        return asyncio.run(_drive(ray, store, run_id, concurrency=concurrency, progress=progress,
                                  code_judges=code_judges, policy=policy, provider=provider,
                                  workers=workers, worker_cpus=worker_cpus,
                                  shard_size=shard_size, stats=stats or RayStats(),
                                  forward_env=joined))
    finally:
        if started_here:
            ray.shutdown()


async def _drive(ray: Any, store: Store, run_id: int, *, concurrency: int | None,
                 progress: ProgressFn | None, code_judges: CodeJudges | None,
                 policy: RetryPolicy | None, provider: ModelAPI | None, workers: int | None,
                 worker_cpus: int | None, shard_size: int, stats: RayStats,
                 forward_env: bool) -> RunSummary:
    job = _Job.load(store, run_id, progress)
    limiter: Any = None
    in_process = False
    if job.spec.kind != "code":
        # The driver calls no model: this wrapper only names the endpoint, sizes the shared
        # limiter and gathers the cache's use (a local model is not loaded here).
        job.managed = ManagedModel(provider or resolve_model(job.model), concurrency=concurrency)
        in_process = is_in_process(job.managed.inner)
        if not in_process:
            # A remote provider's limit is the cluster's; an in-process model's limit (one
            # call at a time) is each worker's own, so it keeps its own limiter.
            limiter = _remote(ray, SharedLimiter, max_concurrency=100_000, num_cpus=0).remote(
                job.managed.max_concurrency, job.managed.limiter.limit)
    stats.plan = plan = plan_pool(ray, in_process=in_process, workers=workers,
                                  threads=worker_cpus)
    model = provider if provider is not None else job.model
    shard_job = ShardJob(store_url=store.url, run_id=run_id, spec=job.spec,
                         model=portable(model), use_cache=job.use_cache,
                         concurrency=concurrency, policy=policy, code_judges=code_judges,
                         threads=plan.threads)
    pool = _workers(ray, shard_job, limiter, plan, forward_env)
    try:
        job.start()
        beating = asyncio.create_task(job.beat())
        try:
            await _feed(job, pool, shard_size, stats)
        finally:
            beating.cancel()
            if limiter is not None:
                stats.limiter = await limiter.state.remote()
    except BaseException as exc:
        job.finish("failed", error=f"{type(exc).__name__}: {exc}" if str(exc) else repr(exc))
        raise
    finally:
        await _stop(ray, pool, limiter)
    job.finish(*job.outcome())
    with store.session() as session:
        return summarize(session, repo_runs.get_run(session, run_id))


async def _feed(job: _Job, pool: list[Any], shard_size: int, stats: RayStats) -> None:
    """Keep every worker busy with DEPTH shards until the work runs out or the run stops."""
    shards = _shards(job.todo(), shard_size)
    running: dict[asyncio.Future[ShardResult], Any] = {}
    free = [worker for worker in pool for _ in range(DEPTH)]
    while True:
        while free and not job.should_stop():
            name, units = next(shards, ("", []))
            if not units:
                break
            worker = free.pop()
            running[asyncio.wrap_future(worker.judge.remote(name, units).future())] = worker
        if not running:
            return
        done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        for finished in done:
            free.append(running.pop(finished))
            _count(job, finished.result(), stats)


def _count(job: _Job, result: ShardResult, stats: RayStats) -> None:
    """Add a finished shard to the run's live counters and the workers' statistics."""
    for verdict, calls in result.stored:
        job._saved(verdict, calls)
    if job.managed is not None:
        _merge(job.managed.cache_use, result.cache_use)
    stats.shards += 1
    stats.skipped += result.skipped
    stats.cpu_s += result.cpu_s
    key = f"{result.host}:{result.pid}"
    stats.peak_rss_mb[key] = max(stats.peak_rss_mb.get(key, 0.0), result.peak_rss_mb)
    if result.model_loads is not None:
        stats.model_loads[key] = result.model_loads


def _shards(units: Iterator[Unit], size: int) -> Iterator[tuple[str, list[Unit]]]:
    """Units in shards of `size`, named by their first unit (stable across a driver's retries)."""
    while shard := list(islice(units, size)):
        item, sample = shard[0]
        yield f"{item.id}:{sample}", shard


def _merge(into: CacheUse, other: CacheUse) -> None:
    into.hits += other.hits
    for moment in (other.oldest, other.newest):
        if moment is not None:
            into.oldest = min(into.oldest or moment, moment)
            into.newest = max(into.newest or moment, moment)


def _remote(ray: Any, cls: type, **options: Any) -> Any:
    return ray.remote(cls).options(**options)


def _workers(ray: Any, job: ShardJob, limiter: Any, plan: PoolPlan,
             forward_env: bool) -> list[Any]:
    env = forwarded_env(forward_env)
    actor = _remote(ray, ShardWorker, num_cpus=plan.cpus, max_restarts=RETRIES,
                    max_task_retries=RETRIES, max_concurrency=DEPTH + 1,
                    runtime_env={"env_vars": env} if env else None)
    # Each worker leases the shared limiter's slots in its own name, which Ray's restart of a
    # dead worker keeps (same arguments), so the new process frees what the dead one held.
    return [actor.remote(job, limiter, f"worker-{index}") for index in range(plan.workers)]


async def _stop(ray: Any, pool: list[Any], limiter: Any) -> None:
    """Close every worker's provider, then end the run's actors."""
    closing = [asyncio.wrap_future(worker.close.remote().future()) for worker in pool]
    await asyncio.gather(*closing, return_exceptions=True)
    for actor in [*pool, *([limiter] if limiter is not None else [])]:
        ray.kill(actor, no_restart=True)
