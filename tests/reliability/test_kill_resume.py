"""A run killed with SIGKILL resumes: nothing lost, nothing stored called again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from bench.evalign_job import verdicts
from bench.mock_provider import expected_for_key
from bench.tools import evalign_env

from evalign import open_store, resume_run
from evalign.store import models as m
from tests.reliability.conftest import MockFactory, bench_store

ROOT = Path(__file__).resolve().parents[2]


def test_sigkill_then_resume(tmp_path: Path, mock_provider: MockFactory) -> None:
    db = tmp_path / "kill.db"
    store = open_store(db)
    ids = bench_store(store, tmp_path, 150)
    store.close()
    mock = mock_provider(latency_ms=40, max_in_flight=8)
    proc = subprocess.Popen([sys.executable, "-m", "bench.evalign_job", "run", "--db", str(db),
                             "--concurrency", "8"], cwd=ROOT, env=evalign_env(mock.url),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while mock.stats()["answered"] < 40 and proc.poll() is None:
        assert time.monotonic() < deadline, "the run never got going"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = open_store(db)
    try:
        stored_at_kill = set(verdicts(store, 1))
        with store.session() as session:
            assert session.scalar(sa.select(m.Run.status)) == "running"
        assert 0 < len(stored_at_kill) < len(ids)
        time.sleep(0.2)  # calls in flight at the kill finish on the mock's side
        calls_before = mock.stats()["calls_per_key"]
        summary = resume_run(store, 1, concurrency=8)
        final = verdicts(store, 1)
    finally:
        store.close()
    assert summary.status == "completed" and sorted(final) == sorted(ids)
    calls_after = mock.stats()["calls_per_key"]
    called_again = [k for k in stored_at_kill if calls_after[k] != calls_before[k]]
    assert called_again == []
    assert all(str(v["value"]).upper() == expected_for_key(k) for k, v in final.items())
    # Only calls in flight at the kill (answered but never stored) were made twice.
    assert sum(c > 1 for c in calls_after.values()) <= 8
