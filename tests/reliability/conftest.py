"""Fixtures of the reliability tests: the mock provider and a store holding bench rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bench.data import rows, write_jsonl
from bench.evalign_job import prepare
from bench.mock_provider import MockConfig, MockProvider

from evalign.store import Store

SECRET_KEY = "sk-evalign-reliability-secret-7c1f"

MockFactory = Callable[..., MockProvider]


@pytest.fixture
def mock_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockFactory]:
    """Start mock providers (`mock_provider(latency_ms=..., ...)`); evalign is pointed at the last.

    OPENAI_BASE_URL and OPENAI_API_KEY are set for the test only; every mock stops at the end.
    """
    started: list[MockProvider] = []

    def start(**options: object) -> MockProvider:
        mock = MockProvider(MockConfig(**options), log_calls=True).start()  # type: ignore[arg-type]
        started.append(mock)
        monkeypatch.setenv("OPENAI_BASE_URL", mock.url)
        monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
        return mock

    yield start
    for mock in started:
        mock.stop()


def bench_store(store: Store, tmp_path: Path, n: int) -> list[str]:
    """Import `n` bench rows as dataset `bench` with judge `bench-judge`; returns the row ids."""
    data = rows(n)
    prepare(store, write_jsonl(tmp_path / f"rows-{n}.jsonl", data))
    return [r["id"] for r in data]
