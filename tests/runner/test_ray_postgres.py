"""A judge run through the Ray executor (a local Ray, `local_ray`) writing to PostgreSQL, the
store a cluster shares: every item ends with exactly one verdict, the one the provider meant.

The provider is the mock OpenAI-compatible server (bench/mock_provider.py) admitting fewer calls
at once than the run starts with, so the workers' writes interleave with refused and retried
calls; the PostgreSQL server is the suite's own (`pg_url`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

pytest.importorskip("ray")

from bench.data import rows, write_jsonl
from bench.evalign_job import DATASET, JUDGE, prepare, verdicts
from bench.mock_provider import MockConfig, MockProvider, expected_for_key

from evalign.runner.run import run_judge
from evalign.store import models as m
from evalign.store import open_store

pytestmark = pytest.mark.ray
ITEMS = 300


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockProvider]:
    """The mock provider (100 ms a call, 24 in flight at most); evalign is pointed at it."""
    mock = MockProvider(MockConfig(latency_ms=100, max_in_flight=24), log_calls=True).start()
    monkeypatch.setenv("OPENAI_BASE_URL", mock.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-evalign-ray-pg-test")
    yield mock
    mock.stop()


def test_a_ray_run_writes_one_verdict_per_item_to_postgres(
        local_ray: Any, pg_url: str, tmp_path: Path, provider: MockProvider) -> None:
    data = rows(ITEMS)
    store = open_store(pg_url)
    try:
        assert store.url.startswith("postgresql")
        prepare(store, write_jsonl(tmp_path / "rows.jsonl", data))
        summary = run_judge(store, JUDGE, DATASET, use_cache=False, executor="ray")
        stored = verdicts(store, summary.run)
        with store.session() as session:
            per_item = session.execute(
                sa.select(m.Verdict.item_id, sa.func.count())
                .where(m.Verdict.run_id == summary.run)
                .group_by(m.Verdict.item_id)).all()
            runs = session.scalars(sa.select(m.Run.status)).all()
    finally:
        store.close()
    assert summary.status == "completed" and summary.errors == 0
    assert summary.verdicts == ITEMS and runs == ["completed"]
    assert len(per_item) == ITEMS and {n for _, n in per_item} == {1}
    assert sorted(stored) == sorted(r["id"] for r in data)
    assert all(str(v["value"]).upper() == expected_for_key(k) for k, v in stored.items())
    got = provider.stats()
    # Every item was asked; the run started at 32 in flight, so the provider refused some.
    assert set(got["calls_per_key"]) == set(stored)
    assert got["peak_in_flight"] <= 24 and got["rejected_concurrency"] > 0
