"""The Ray executor on a local Ray: same verdicts as one process, nothing lost when a worker dies.

One local Ray (2 CPUs, no dashboard; `local_ray` in conftest.py) is shared by every test of the
session; starting it takes ~5-15 s on a loaded machine, so these tests carry the `ray` mark.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

ray = pytest.importorskip("ray")

from bench.data import rows, write_jsonl  # noqa: E402
from bench.evalign_job import DATASET, JUDGE, prepare, verdicts  # noqa: E402
from bench.mock_provider import MockConfig, MockProvider, expected_for_key  # noqa: E402
from bench.tools import evalign_env  # noqa: E402

from evalign.errors import ConfigError, ConflictError  # noqa: E402
from evalign.runner.ray_executor import RayStats, execute_on_ray  # noqa: E402
from evalign.runner.run import cancel_run, create_run, resume_run, run_judge  # noqa: E402
from evalign.store import Store, open_store  # noqa: E402
from evalign.store import models as m  # noqa: E402

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A factory of mock providers that log their calls; evalign is pointed at the last one."""
    started: list[MockProvider] = []

    def start(**options: Any) -> MockProvider:
        provider = MockProvider(MockConfig(**options), log_calls=True).start()
        started.append(provider)
        monkeypatch.setenv("OPENAI_BASE_URL", provider.url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-evalign-ray-test")
        return provider

    yield start
    for provider in started:
        provider.stop()


def _bench(tmp_path: Path, n: int) -> tuple[Path, list[str]]:
    db = tmp_path / "ray.db"
    data = rows(n)
    store = open_store(db)
    try:
        prepare(store, write_jsonl(tmp_path / "rows.jsonl", data))
    finally:
        store.close()
    return db, [r["id"] for r in data]


def _by_unit(store: Store, run_id: int) -> dict[tuple[int, int], tuple[Any, ...]]:
    with store.session() as session:
        found = session.execute(sa.select(
            m.Verdict.item_id, m.Verdict.sample, m.Verdict.value, m.Verdict.p_pass,
            m.Verdict.error, m.Verdict.error_kind).where(m.Verdict.run_id == run_id))
        return {(r[0], r[1]): tuple(r[2:]) for r in found}


def _worker_pids() -> list[int]:
    """Process ids of live ShardWorker actors (Ray titles them `ray::ShardWorker…`)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"ray::ShardWorker"):
                pids.append(int(entry.name))
    return pids


def _in_thread(work: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["summary"] = work()
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    return thread, out


def _wait(condition: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_same_verdicts_as_in_process_with_repeat_and_cache(
        local_ray: Any, tmp_path: Path, mock: Any) -> None:
    provider = mock(latency_ms=20, max_in_flight=64)
    db, ids = _bench(tmp_path, 150)
    store = open_store(db)
    try:
        here = run_judge(store, JUDGE, DATASET, repeat=2, use_cache=False)
        stats = RayStats()
        run_id = create_run(store, JUDGE, DATASET, repeat=2, use_cache=True)
        there = execute_on_ray(store, run_id, workers=2, shard_size=32, stats=stats)
        calls_after_first = provider.stats()["calls"]
        again = run_judge(store, JUDGE, DATASET, repeat=2, executor="ray")
        assert _by_unit(store, there.run) == _by_unit(store, here.run)
        first = verdicts(store, there.run)
    finally:
        store.close()
    assert here.status == there.status == "completed"
    # Calls may exceed 300 only by retries of answers that never arrived (a loaded machine
    # times some out); every unit still ends with exactly one verdict.
    assert there.verdicts == 300 and there.errors == 0 and there.calls >= 300
    assert sorted(first) == sorted(ids)
    assert all(str(v["value"]).upper() == expected_for_key(k) for k, v in first.items())
    # Each run asked twice per item (its two samples), the second sample never the first
    # one replayed from the cache.
    assert all(n >= 4 for n in provider.stats()["calls_per_key"].values())
    assert stats.shards >= 9 and len(stats.peak_rss_mb) == 2 and stats.cpu_s > 0
    assert stats.limiter["peak"] <= stats.limiter["ceiling"] and stats.limiter["in_flight"] == 0
    # Served from the cache the first Ray run filled: no call at all.
    assert again.status == "completed" and again.calls == 0 and again.cached == 300
    assert provider.stats()["calls"] == calls_after_first


def test_shared_limiter_keeps_the_cluster_within_the_provider(
        local_ray: Any, tmp_path: Path, mock: Any) -> None:
    provider = mock(latency_ms=50, max_in_flight=16)
    db, _ = _bench(tmp_path, 400)
    store = open_store(db)
    try:
        summary = run_judge(store, JUDGE, DATASET, use_cache=False, executor="ray",
                            concurrency=16)
    finally:
        store.close()
    got = provider.stats()
    # Two workers each holding shards of 128 would send 256 at once without the shared bound.
    assert summary.status == "completed" and summary.errors == 0
    assert got["peak_in_flight"] <= 16 and got["rejected_concurrency"] == 0


def test_worker_killed_mid_run_loses_nothing_and_calls_no_stored_item_again(
        local_ray: Any, tmp_path: Path, mock: Any) -> None:
    provider = mock(latency_ms=150, max_in_flight=32)
    db, ids = _bench(tmp_path, 640)
    store = open_store(db)
    try:
        run_id = create_run(store, JUDGE, DATASET, use_cache=False)
        stats = RayStats()
        thread, out = _in_thread(lambda: execute_on_ray(
            store, run_id, workers=2, shard_size=32, concurrency=32, stats=stats))
        _wait(lambda: provider.stats()["answered"] >= 120, "the run never got going")
        victim = _worker_pids()[0]
        stored_at_kill = set(verdicts(store, run_id))
        os.kill(victim, signal.SIGKILL)
        thread.join(timeout=300)
        assert "error" not in out, out.get("error")
        final = verdicts(store, run_id)
    finally:
        store.close()
    summary = out["summary"]
    assert summary.status == "completed" and summary.verdicts == len(ids)
    assert sorted(final) == sorted(ids)  # one verdict per item: the key is unique
    assert all(str(v["value"]).upper() == expected_for_key(k) for k, v in final.items())
    calls = provider.stats()["calls_per_key"]
    assert [k for k in stored_at_kill if calls[k] != 1] == []
    # Only calls in flight at the kill were made twice (the provider admits 32 at once).
    assert sum(n > 1 for n in calls.values()) <= 32
    assert victim not in _worker_pids()


def test_cancel_stops_the_workers(local_ray: Any, tmp_path: Path, mock: Any) -> None:
    provider = mock(latency_ms=200, max_in_flight=16)
    db, ids = _bench(tmp_path, 400)
    store = open_store(db)
    try:
        run_id = create_run(store, JUDGE, DATASET, use_cache=False)
        thread, out = _in_thread(lambda: execute_on_ray(store, run_id, workers=2,
                                                        concurrency=16))
        _wait(lambda: provider.stats()["answered"] >= 30, "the run never got going")
        assert cancel_run(store, run_id) == ("cancelled", True)
        thread.join(timeout=120)
        stored = len(verdicts(store, run_id))
        with pytest.raises(ConflictError, match="cancelled"):
            resume_run(store, run_id, executor="ray")
    finally:
        store.close()
    assert out["summary"].status == "cancelled"
    assert stored < len(ids)
    calls = provider.stats()["calls"]
    time.sleep(0.5)
    assert provider.stats()["calls"] == calls  # nothing called after the workers stopped


def test_killed_driver_resumes_on_ray(local_ray: Any, tmp_path: Path, mock: Any) -> None:
    provider = mock(latency_ms=100, max_in_flight=16)
    db, ids = _bench(tmp_path, 300)
    address = ray.get_runtime_context().gcs_address
    driver = subprocess.Popen(
        [str(Path(sys.executable).with_name("evalign")), "run", JUDGE, "--dataset", DATASET,
         "--db", str(db), "--no-cache", "--executor", "ray", "--ray-address", address,
         "--concurrency", "16", "--json"],
        cwd=tmp_path, env=evalign_env(provider.url),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: provider.stats()["answered"] >= 60, "the driver never got going")
    finally:
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait()
    store = open_store(db)
    try:
        time.sleep(1.0)  # Ray ends a dead driver's workers; calls in flight finish
        stored_at_kill = set(verdicts(store, 1))
        calls_before = provider.stats()["calls_per_key"]
        summary = resume_run(store, 1, executor="ray")
        final = verdicts(store, 1)
    finally:
        store.close()
    assert 0 < len(stored_at_kill) < len(ids)
    assert summary.status == "completed" and sorted(final) == sorted(ids)
    calls_after = provider.stats()["calls_per_key"]
    assert [k for k in stored_at_kill if calls_after[k] != calls_before.get(k)] == []


def test_in_memory_store_is_refused(local_ray: Any) -> None:
    store = open_store(":memory:")
    try:
        with pytest.raises(ConfigError, match="store the workers can open"):
            execute_on_ray(store, 1)
    finally:
        store.close()
