"""Cancelling a running run: it stops soon, keeps what it stored, invents nothing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from bench.evalign_job import DATASET, JUDGE, verdicts
from bench.mock_provider import expected_for_key

from evalign import ConflictError, cancel_run, resume_run, run_judge
from evalign.runner import RunSummary
from evalign.store import Store
from tests.reliability.conftest import MockFactory, bench_store


def test_cancel_stops_a_running_run(sqlite_store: Store, tmp_path: Path,
                                    mock_provider: MockFactory) -> None:
    ids = bench_store(sqlite_store, tmp_path, 200)
    mock = mock_provider(latency_ms=50)
    result: list[RunSummary] = []
    worker = threading.Thread(target=lambda: result.append(run_judge(
        sqlite_store, JUDGE, DATASET, concurrency=4, use_cache=False)))
    worker.start()
    deadline = time.monotonic() + 30
    while mock.stats()["answered"] < 20:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    status, changed = cancel_run(sqlite_store, 1)
    assert (status, changed) == ("cancelled", True)
    calls_at_cancel = mock.stats()["calls"]
    worker.join(30)
    assert not worker.is_alive()
    assert result and result[0].status == "cancelled"
    stored = verdicts(sqlite_store, 1)
    assert 20 <= len(stored) < len(ids)
    assert all(str(v["value"]).upper() == expected_for_key(k) for k, v in stored.items())
    # The runner notices within its heartbeat (2 s at 4 calls per 50 ms: at most ~170 calls).
    assert mock.stats()["calls"] - calls_at_cancel < 200 - 20
    with pytest.raises(ConflictError):
        resume_run(sqlite_store, 1)
