"""One worker of a distributed run: judges shards of (item, sample) units with the async runner.

`ShardWorker` is the body of a Ray actor (wrapped by `evalign.runner.ray_executor`; this module
does not import Ray). It holds the provider for the whole run — a local model is loaded once per
worker, not once per shard — and judges each shard exactly as the in-process runner judges a
run: `judge_one` through a `ManagedModel` (retries, the answer cache in the store), the
`AsyncioExecutor`, and a `VerdictWriter` that stores verdicts by group commit as they come. The
worker writes to the store itself (SQLite for a local Ray, PostgreSQL for a cluster), so a worker
killed mid-shard loses only its calls in flight: when Ray runs the shard again, units already
stored are skipped, never sent to the model twice. The verdicts it stored go back to the driver
for the run's live counters.

The shards a worker judges at once share what is the worker's rather than the shard's: one
limiter lease pipeline (`RemoteLimiter`, so the calls of both shards waiting for a slot share
one `acquire_many`, and the slots freed in one turn of the event loop go back in one
`release_many`) and one `VerdictWriter` (the verdicts of both shards finished in one turn share
one transaction). A Ray call costs ~1 ms of CPU on each side on the benchmark machine, so
fewer, fuller messages to the limiter and fewer commits are most of what a worker can save.
"""

from __future__ import annotations

import asyncio
import os
import resource
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from evalign.items import Item
from evalign.judges.code import CodeJudges
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.providers.base import ModelAPI
from evalign.runner.cache import AnswerCache
from evalign.runner.calls import CacheUse, ManagedModel, judge_one
from evalign.runner.executor import AsyncioExecutor
from evalign.runner.limits import AdaptiveLimiter
from evalign.runner.ray_cluster import model_loads, open_provider
from evalign.runner.retry import RetryPolicy
from evalign.runner.shared_limiter import RemoteLimiter
from evalign.runner.writer import VerdictWriter
from evalign.store import Store
from evalign.store.repo_shards import run_status, stored_units

Unit = tuple[Item, int]
Stored = list[tuple[Verdict, int]]
STATUS_EVERY_S = 2.0  # how often a worker checks that its run was not cancelled


@dataclass(frozen=True)
class ShardJob:
    """What every worker of one run shares.

    Attributes:
        store_url: the store every worker opens (a file for a local Ray, PostgreSQL else).
        run_id: the run.
        spec: the judge version's content, with the run's model.
        model: the run's model string, or a provider object to copy into each worker.
        use_cache: read and fill the answer cache.
        concurrency: the most calls in flight per shard (the shared limiter bounds the total).
        policy: the retry policy.
        code_judges: the registry for code judges.
        threads: CPU threads of an in-process model: the CPUs its worker reserves from Ray
            (None for a remote provider).
    """

    store_url: str
    run_id: int
    spec: JudgeSpec
    model: str | ModelAPI
    use_cache: bool = True
    concurrency: int | None = None
    policy: RetryPolicy | None = None
    code_judges: CodeJudges | None = None
    threads: int | None = None


@dataclass
class ShardResult:
    """What one shard did: the verdicts it stored (with their call counts) and its costs.

    Attributes:
        shard: the shard's name.
        stored: (verdict, provider calls) for each verdict this attempt stored.
        skipped: units already stored before this attempt (a shard Ray ran again).
        cache_use: the answers served from the cache, and when they were cached.
        pid: the worker process.
        host: the worker's host name.
        cpu_s: CPU seconds (user + system) the worker process spent since its previous report,
            so that summed over a run's shards it is the workers' CPU: shards judged at once
            by one worker are not counted twice.
        peak_rss_mb: the worker process's peak resident memory so far, in MiB.
        model_loads: how many times this worker's in-process model has read its weights so
            far (None for a remote provider): 1 however many shards the worker judged.
    """

    shard: str
    stored: list[tuple[Verdict, int]] = field(default_factory=list)
    skipped: int = 0
    cache_use: CacheUse = field(default_factory=CacheUse)
    pid: int = 0
    host: str = ""
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0
    model_loads: int | None = None


class ShardWorker:
    """A run's worker: judges the shards it is sent, storing verdicts as they come.

    Args:
        job: what the run's workers share.
        limiter: the run's shared limiter actor, or None (a code judge calls no model).
        name: the name this worker holds the shared limiter's slots in; the same for every
            incarnation of one Ray actor (Ray restarts it with the same arguments), so a
            restarted worker first frees the slots its dead process still held.
    """

    def __init__(self, job: ShardJob, limiter: Any | None = None, name: str = "worker"):
        self.job, self.limiter, self.name = job, limiter, name
        self.store = Store(job.store_url, migrate=False)
        self.provider: ModelAPI | None = None
        if job.spec.kind != "code":
            # Held for the run: a local model reads its GGUF once, on this worker's first call.
            self.provider = open_provider(job.model, job.threads)
        self._own_limiter: AdaptiveLimiter | None = None
        self._remote: RemoteLimiter | None = None
        self._leasing = asyncio.Lock()  # bound to the actor's event loop on first use
        self._writer = VerdictWriter(self.store, job.run_id, self._saved)
        self._stored_by: dict[tuple[int, int], Stored] = {}
        self._status_at = 0.0
        self._stopped = False
        self._cpu_at = _cpu_s()

    def pid(self) -> int:
        """The worker's process id (for tests and benchmarks that kill it)."""
        return os.getpid()

    async def judge(self, shard: str, units: list[Unit]) -> ShardResult:
        """Judge every unit of `shard` not stored yet; returns what this attempt stored."""
        result = ShardResult(shard=shard, pid=os.getpid(), host=socket.gethostname())
        with self.store.session() as session:
            done = stored_units(session, self.job.run_id,
                                [item.id for item, _ in units if item.id is not None])
        todo = [(item, sample) for item, sample in units if (item.id, sample) not in done]
        result.skipped = len(units) - len(todo)
        managed = await self._managed()

        async def handle(unit: Unit) -> None:
            verdict, stats = await judge_one(self.job.spec, unit[0], managed,
                                             code_judges=self.job.code_judges,
                                             use_cache=self.job.use_cache, sample=unit[1])
            key = (unit[0].id or 0, unit[1])
            self._stored_by[key] = result.stored
            try:
                await self._writer.add(verdict, stats.calls)
            finally:
                self._stored_by.pop(key, None)

        workers = managed.max_concurrency if managed else (self.job.concurrency or 8)
        try:
            await AsyncioExecutor(workers).map(todo, handle, should_stop=self._should_stop)
        finally:
            self._writer.flush()
        if managed is not None:
            result.cache_use = managed.cache_use
        cpu = _cpu_s()
        result.cpu_s, self._cpu_at = cpu - self._cpu_at, cpu
        result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result.model_loads = model_loads(self.provider)
        return result

    async def close(self) -> None:
        """Close the provider (a local model frees its memory)."""
        if self.provider is not None:
            await self.provider.aclose()
        self.store.close()

    def _saved(self, verdict: Verdict, calls: int) -> None:
        """The writer stored `verdict`: count it in the result of the shard it belongs to."""
        stored = self._stored_by.get((verdict.item_id or 0, verdict.sample))
        if stored is not None:
            stored.append((verdict, calls))

    async def _managed(self) -> ManagedModel | None:
        if self.provider is None:
            return None
        cache = AnswerCache(self.store) if self.job.use_cache else None
        managed = ManagedModel(self.provider, concurrency=self.job.concurrency,
                               policy=self.job.policy, cache=cache)
        if self.limiter is not None:
            managed.limiter = await self._remote_limiter(self.limiter)
        else:
            # No shared limiter (an in-process model): the worker's shards share its own, so
            # two shards never wait on one model's lock inside a call's timeout.
            self._own_limiter = self._own_limiter or managed.limiter
            managed.limiter = self._own_limiter
        return managed

    async def _remote_limiter(self, actor: Any) -> RemoteLimiter:
        """The worker's lease pipeline to the shared limiter `actor`, made on its first shard."""
        async with self._leasing:  # two first shards at once must not both free and make one
            if self._remote is None:
                # A restarted worker first frees the slots its dead process still held.
                await actor.forget.remote(self.name)
                self._remote = RemoteLimiter(actor, self.name)
        return self._remote

    def _should_stop(self) -> bool:
        """True once the run is no longer running (cancelled); asks the store every 2 s."""
        if not self._stopped and time.monotonic() - self._status_at >= STATUS_EVERY_S:
            self._status_at = time.monotonic()
            with self.store.session() as session:
                self._stopped = run_status(session, self.job.run_id) != "running"
        return self._stopped


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
