"""One worker of scoring on Ray: judges batches of items with any judge spec, stores nothing.

`ScoreWorker` is the body of a Ray actor (wrapped by `evalign.runner.ray_scoring`; this module
does not import Ray). It holds one provider for the whole job — a local model reads its GGUF
once, on the worker's first call — and scores each batch it is sent exactly as `score_items`
does in one process: `judge_one` through a `ManagedModel` (retries, the answer cache in the
store when one is given), on the `AsyncioExecutor`. Unlike a run's `ShardWorker` it writes no
verdicts: an alignment run's candidates are not stored judge versions, so the verdicts go back
to the caller, in item order, with what they cost.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from evalign.items import Item
from evalign.judges.code import CodeJudges
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.providers.base import ModelAPI
from evalign.runner.batch import ScoreBatch
from evalign.runner.cache import AnswerCache
from evalign.runner.calls import ManagedModel, judge_one
from evalign.runner.executor import AsyncioExecutor
from evalign.runner.limits import AdaptiveLimiter
from evalign.runner.ray_cluster import model_loads, open_provider
from evalign.runner.retry import RetryPolicy
from evalign.runner.shared_limiter import RemoteLimiter
from evalign.runner.summary import count_verdict
from evalign.store import Store


@dataclass(frozen=True)
class ScoreJob:
    """What every worker of one scoring pool shares.

    Attributes:
        model: the model string, or a provider object to copy into each worker.
        cache_url: the store whose answer cache to read and fill (None: no cache).
        threads: llama.cpp threads of an in-process model (its worker's CPUs); None else.
        concurrency: the most calls in flight per batch (the shared limiter bounds the total).
        policy: the retry policy.
        code_judges: the registry for code judges.
    """

    model: str | ModelAPI
    cache_url: str | None = None
    threads: int | None = None
    concurrency: int | None = None
    policy: RetryPolicy | None = None
    code_judges: CodeJudges | None = None


class ScoreWorker:
    """A scoring pool's worker: scores the batches it is sent and returns their verdicts.

    Args:
        job: what the pool's workers share.
        limiter: the pool's shared limiter actor, or None (an in-process model keeps its own:
            one call at a time is each worker's limit, not the cluster's).
    """

    def __init__(self, job: ScoreJob, limiter: Any | None = None):
        self.job, self.limiter = job, limiter
        self.store = Store(job.cache_url, migrate=False) if job.cache_url else None
        self.provider: ModelAPI = open_provider(job.model, job.threads)
        self._own_limiter: AdaptiveLimiter | None = None

    def pid(self) -> int:
        """The worker's process id (for tests that count or kill workers)."""
        return os.getpid()

    def loads(self) -> int | None:
        """How many times this worker's in-process model read its weights (None: remote)."""
        return model_loads(self.provider)

    async def score(self, name: str, spec: JudgeSpec, items: list[Item]) -> ScoreBatch:
        """Verdicts of `spec` on `items`, in item order, and what they cost.

        Args:
            name: the batch's name, unique in the job (slots of a dead attempt are freed by it).
            spec: the judge spec to score with (its model is this worker's provider).
            items: what to score.
        """
        started = time.perf_counter()
        managed = await self._managed(name)
        batch = ScoreBatch(verdicts=[Verdict(value=None)] * len(items))

        async def handle(index: int) -> None:
            verdict, stats = await judge_one(spec, items[index], managed,
                                             code_judges=self.job.code_judges)
            batch.verdicts[index] = verdict
            count_verdict(batch, verdict, stats.calls)

        await AsyncioExecutor(managed.max_concurrency).map(range(len(items)), handle)
        batch.seconds = time.perf_counter() - started
        return batch

    async def close(self) -> None:
        """Close the provider (a local model frees its memory) and the store."""
        await self.provider.aclose()
        if self.store is not None:
            self.store.close()

    async def _managed(self, name: str) -> ManagedModel:
        cache = AnswerCache(self.store) if self.store is not None else None
        managed = ManagedModel(self.provider, concurrency=self.job.concurrency,
                               policy=self.job.policy, cache=cache)
        if self.limiter is not None:
            await self.limiter.forget.remote(name)  # a retried batch frees its dead attempt's
            managed.limiter = RemoteLimiter(self.limiter, name)
        else:
            # Batches sent to this worker at once share one limit of one call at a time.
            self._own_limiter = self._own_limiter or managed.limiter
            managed.limiter = self._own_limiter
        return managed
