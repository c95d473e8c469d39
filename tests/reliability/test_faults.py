"""Fault injection: every item ends with the intended verdict or an error naming its cause."""

from __future__ import annotations

from pathlib import Path

from bench.evalign_job import DATASET, JUDGE, verdicts
from bench.mock_provider import expected_for_key

from evalign import run_judge
from evalign.runner import RetryPolicy
from evalign.store import Store
from tests.reliability.conftest import MockFactory, bench_store


def test_no_silent_mislabels_under_faults(sqlite_store: Store, tmp_path: Path,
                                          mock_provider: MockFactory) -> None:
    ids = bench_store(sqlite_store, tmp_path, 60)
    mock = mock_provider(latency_ms=5, error_500=0.10, hang=0.05, garbage=0.05, drop=0.05,
                         schema=0.05, hang_s=5.0)
    policy = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2, timeout=0.5)
    summary = run_judge(sqlite_store, JUDGE, DATASET, concurrency=16, use_cache=False,
                        policy=policy)
    stored = verdicts(sqlite_store, summary.run)
    assert sorted(stored) == sorted(ids)  # nothing lost, nothing invented
    intended = errors = 0
    for item_id, verdict in stored.items():
        if verdict["value"] is None:
            assert verdict["error"] and verdict["error_kind"], verdict
            errors += 1
        else:
            assert verdict["error"] is None
            assert str(verdict["value"]).upper() == expected_for_key(item_id), item_id
            intended += 1
    stats = mock.stats()
    assert sum(stats["faults"].values()) >= 6  # the faults really happened
    assert intended >= 50 and intended + errors == 60
    assert summary.errors == errors
