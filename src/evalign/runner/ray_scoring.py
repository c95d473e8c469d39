"""Scoring items on a Ray cluster: `score_items`' contract, with the work done by Ray actors.

An alignment run scores many judge specs (the base judge and each candidate) on the same
labeled items, a chunk at a time. With `executor: ray` it does so through `RayScoring`: a pool
of long-lived `ScoreWorker` actors per model, sized by `ray_cluster.plan_pool` (one per CPU for
a remote provider, sharing one `SharedLimiter`; one per CPU set for a local model, each loading
the GGUF once for the whole job). Each chunk is cut into one contiguous shard per worker, the
shards are judged in parallel, and the verdicts come back in item order with their calls,
tokens and cost, so the caller sees exactly what `score_items` would have returned.

    with RayScoring(address=None) as scoring:          # joins or starts Ray
        batch = asyncio.run(scoring.score(spec, items, model=model, cache_store=store))

Only one model's pool lives at a time: a pool holds its CPUs for as long as it lives, so a
second model's workers (an alignment run's verifier) could otherwise never be placed; switching
models ends the previous pool (a local model is then loaded again if it comes back).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import count
from types import TracebackType
from typing import Any

from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.providers.base import ModelAPI
from evalign.runner.batch import ScoreBatch, score_items
from evalign.runner.calls import ManagedModel
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
from evalign.runner.score_worker import ScoreJob, ScoreWorker
from evalign.runner.shared_limiter import SharedLimiter
from evalign.store import Store

RETRIES = 3  # restarts of a dead worker, and runs of a batch whose worker died
STOP_S = 60.0  # how long the workers get to close their providers


@dataclass
class _Pool:
    """The workers of one model (kept with the model, so its id is never reused meanwhile)."""

    model: ModelAPI
    cache_url: str | None
    plan: PoolPlan
    workers: list[Any]
    limiter: Any = None


@dataclass
class RayScoring:
    """Scores batches of items on Ray workers; a context manager that joins (or starts) Ray.

    Attributes:
        address: the Ray cluster (`ray://…` or `host:port`); None: `RAY_ADDRESS`, else a Ray
            already started in this process, else a local one started (and stopped) here.
        workers: workers per model (default: `ray_cluster.plan_pool`).
        threads: CPUs (llama.cpp threads) per worker of a local model (default: `plan_pool`).
        model_loads: after `close`, for each local model's worker (`pid`), how many times it
            read the model's weights (1 each however many batches it scored).
    """

    address: str | None = None
    workers: int | None = None
    threads: int | None = None
    model_loads: dict[int, int] = field(default_factory=dict)
    _ray: Any = None
    _started: bool = False
    _joined: bool = False
    _pool: _Pool | None = None
    _names: count[int] = field(default_factory=count)

    def __enter__(self) -> RayScoring:
        self._ray = import_ray()
        self._joined = joins_cluster(self._ray, self.address)
        self._started = connect(self._ray, self.address)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            self._end_pool()
        except Exception:
            if error is None:
                raise
            # Already failing (a cancelled run, a dead cluster): that error is the one to see;
            # the workers were killed regardless.
        finally:
            if self._started:
                self._ray.shutdown()

    def parallelism(self, model: ModelAPI) -> int:
        """How many items the cluster judges at once with `model` (all workers together)."""
        pool = self._pool
        plan = pool.plan if pool is not None and pool.model is model else self._plan(model)
        return plan.workers * max(1, model.max_concurrency)

    async def score(self, spec: JudgeSpec, items: Sequence[Item], *, model: ModelAPI,
                    cache_store: Store | None = None) -> ScoreBatch:
        """Verdicts of `spec` on `items` in item order, judged by `model`'s workers.

        Args:
            spec: the judge spec.
            items: what to score.
            model: the provider (a local model's workers each load their own copy).
            cache_store: the store whose answer cache the workers use (None: no cache).

        Raises:
            ConfigError: Ray is not installed, or the cache store is in memory.
        """
        if spec.kind == "code" or not items:
            # A code judge calls no model: nothing to spread.
            return await score_items(spec, items, model=model, cache_store=cache_store)
        started = time.perf_counter()
        pool = self._ensure(model, cache_store.url if cache_store is not None else None)
        size = math.ceil(len(items) / len(pool.workers))
        parts = [list(items[i:i + size]) for i in range(0, len(items), size)]
        futures = [asyncio.wrap_future(worker.score.remote(
            f"batch-{next(self._names)}", spec, part).future())
            for worker, part in zip(pool.workers, parts, strict=False)]
        merged = _merged(await asyncio.gather(*futures))
        merged.seconds = time.perf_counter() - started
        return merged

    def _ensure(self, model: ModelAPI, cache_url: str | None) -> _Pool:
        """The pool of `model` (started now, ending another model's pool first)."""
        pool = self._pool
        if pool is not None and pool.model is model and pool.cache_url == cache_url:
            return pool
        if cache_url is not None:
            refuse_memory_store(cache_url)
        self._end_pool()
        self._pool = self._start_pool(model, cache_url)
        return self._pool

    def _start_pool(self, model: ModelAPI, cache_url: str | None) -> _Pool:
        ray = self._ray
        plan = self._plan(model)
        limiter = None
        if plan.threads is None:
            # A remote provider's limit is the cluster's: every worker leases its slots here.
            sizing = ManagedModel(model)
            limiter = ray.remote(SharedLimiter).options(
                max_concurrency=100_000, num_cpus=0).remote(sizing.max_concurrency,
                                                            sizing.limiter.limit)
        env = forwarded_env(self._joined)
        actor = ray.remote(ScoreWorker).options(
            num_cpus=plan.cpus, max_restarts=RETRIES, max_task_retries=RETRIES,
            max_concurrency=4, runtime_env={"env_vars": env} if env else None)
        job = ScoreJob(model=portable(model), cache_url=cache_url, threads=plan.threads)
        return _Pool(model, cache_url, plan, [actor.remote(job, limiter)
                                              for _ in range(plan.workers)], limiter)

    def _plan(self, model: ModelAPI) -> PoolPlan:
        return plan_pool(self._ray, in_process=is_in_process(model), workers=self.workers,
                         threads=self.threads)

    def _end_pool(self) -> None:
        """Record each worker's model loads, close the providers and end the actors."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        ray = self._ray
        try:
            pids = ray.get([w.pid.remote() for w in pool.workers], timeout=STOP_S)
            loads = ray.get([w.loads.remote() for w in pool.workers], timeout=STOP_S)
            self.model_loads.update({p: n for p, n in zip(pids, loads, strict=True)
                                     if n is not None})
            ray.get([w.close.remote() for w in pool.workers], timeout=STOP_S)
        finally:
            for actor in [*pool.workers, *([pool.limiter] if pool.limiter else [])]:
                ray.kill(actor, no_restart=True)


def _merged(batches: Sequence[ScoreBatch]) -> ScoreBatch:
    """The shards' batches as one, verdicts in shard order."""
    merged = ScoreBatch()
    for part in batches:
        merged.verdicts.extend(part.verdicts)
        merged.calls += part.calls
        merged.cached += part.cached
        merged.errors += part.errors
        merged.prompt_tokens += part.prompt_tokens
        merged.completion_tokens += part.completion_tokens
        if merged.cost_usd is not None:
            merged.cost_usd = None if part.cost_usd is None else merged.cost_usd + part.cost_usd
    return merged
