"""A run's Ray worker without Ray: `ShardWorker` judging shards against the mock provider.

The shared limiter is the in-loop stand-in of test_shared_limiter.py (each `.remote(...)` a task
on the same loop, as an async actor runs it), so these tests need no Ray and pin what the
benchmark measures on a real cluster: the shards one worker judges at once share its lease
pipeline and its writer, a restarted worker frees its dead process's slots, and the CPU the
worker reports is its process's, counted once however many shards overlap.
"""

from __future__ import annotations

import asyncio
import resource
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.data import rows, write_jsonl
from bench.evalign_job import DATASET, JUDGE, prepare
from bench.mock_provider import MockConfig, MockProvider

from evalign.runner.run import _Job, create_run
from evalign.runner.shard import ShardJob, ShardResult, ShardWorker, Unit
from evalign.runner.shared_limiter import SharedLimiter
from evalign.store import Store, open_store, repo_shards
from tests.runner.test_shared_limiter import _Actor


@pytest.fixture
def mock(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockProvider]:
    provider = MockProvider(MockConfig(latency_ms=20, max_in_flight=64)).start()
    monkeypatch.setenv("OPENAI_BASE_URL", provider.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-evalign-shard-test")
    yield provider
    provider.stop()


def _run(tmp_path: Path, n: int) -> tuple[Store, ShardJob, list[Unit]]:
    """A running run over `n` bench rows: the store, the workers' job and its units."""
    store = open_store(tmp_path / "shard.db")
    prepare(store, write_jsonl(tmp_path / "rows.jsonl", rows(n)))
    run_id = create_run(store, JUDGE, DATASET, use_cache=False)
    job = _Job.load(store, run_id, None)
    job.start()  # a worker stops at once on a run that is not running
    shard_job = ShardJob(store_url=store.url, run_id=run_id, spec=job.spec, model=job.model,
                         use_cache=False)
    return store, shard_job, list(job.todo())


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def test_shards_judged_at_once_share_the_writer_and_count_cpu_once(
        tmp_path: Path, mock: MockProvider) -> None:
    store, job, units = _run(tmp_path, 240)
    actor = _Actor(SharedLimiter(64))
    halves = [units[:120], units[120:]]

    async def scenario() -> tuple[list[ShardResult], float]:
        worker = ShardWorker(job, actor, "worker-0")
        started = _cpu_s()
        results = await asyncio.gather(*(worker.judge(f"s{i}", half)
                                         for i, half in enumerate(halves)))
        spent = _cpu_s() - started
        await worker.close()
        return list(results), spent

    try:
        results, spent = asyncio.run(scenario())
        with store.session() as session:
            stored = repo_shards.stored_units(session, job.run_id,
                                              [item.id for item, _ in units if item.id])
    finally:
        store.close()
    assert stored == {(item.id, sample) for item, sample in units}
    # Each shard's result holds exactly its own verdicts, though one writer stored both.
    for half, result in zip(halves, results, strict=True):
        assert sorted((v.item_id, v.sample) for v, _ in result.stored) == sorted(
            (item.id, sample) for item, sample in half)
    # The two shards ran at the same time: each counting the process's CPU over its own span
    # would report about twice what the process spent.
    assert 0 < sum(r.cpu_s for r in results) <= spent + 0.01
    # One lease pipeline for the worker: its name, one `forget`, nothing left held.
    assert actor.calls["forget"] == 1 and actor.body.limiter.in_flight == 0


def test_a_restarted_worker_frees_the_slots_its_dead_process_held(
        tmp_path: Path, mock: MockProvider) -> None:
    store, job, units = _run(tmp_path, 40)
    body = SharedLimiter(8)

    async def scenario() -> tuple[int, ShardResult]:
        for _ in range(8):
            await body.acquire("worker-3")  # the whole limit, held by a process that died
        held = body.limiter.in_flight
        # Ray restarts the actor with the same arguments, so with the same name.
        worker = ShardWorker(job, _Actor(body), "worker-3")
        result = await asyncio.wait_for(worker.judge("s0", units), timeout=60)
        await worker.close()
        return held, result

    try:
        held, result = asyncio.run(scenario())
    finally:
        store.close()
    assert held == 8 and len(result.stored) == 40 and result.skipped == 0
    assert body.limiter.in_flight == 0

