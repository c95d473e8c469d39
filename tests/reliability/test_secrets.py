"""The API key never lands in the store, the logs, the CLI's output or an export."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from bench.evalign_job import DATASET, JUDGE
from bench.tools import evalign_env

from evalign import open_store, run_judge
from evalign.data.export import export_dataset
from evalign.runner import RetryPolicy
from evalign.store import Store
from evalign.store import models as m
from tests.reliability.conftest import SECRET_KEY, MockFactory, bench_store

ROOT = Path(__file__).resolve().parents[2]


def _store_text(store: Store) -> str:
    """Every value of every row of every table, as one string."""
    parts: list[str] = []
    with store.session() as session:
        for table in m.Base.metadata.sorted_tables:
            parts += [repr(tuple(row)) for row in session.execute(sa.select(table))]
    return "\n".join(parts)


def test_api_key_stays_out_of_store_logs_and_exports(
    sqlite_store: Store, tmp_path: Path, mock_provider: MockFactory,
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str],
) -> None:
    bench_store(sqlite_store, tmp_path, 40)
    mock_provider(error_500=0.3, garbage=0.2, schema=0.1)
    caplog.set_level(logging.DEBUG)
    policy = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05, timeout=2)
    summary = run_judge(sqlite_store, JUDGE, DATASET, use_cache=False, policy=policy)
    assert summary.errors > 0  # error messages were stored: they must not carry the key
    for path in (tmp_path / "out.jsonl", tmp_path / "out.csv"):
        export_dataset(sqlite_store, DATASET, path)
        assert SECRET_KEY not in path.read_text()
    assert SECRET_KEY not in _store_text(sqlite_store)
    assert SECRET_KEY not in caplog.text
    out, err = capfd.readouterr()
    assert SECRET_KEY not in out + err


def test_cli_never_prints_the_key(tmp_path: Path, mock_provider: MockFactory) -> None:
    db = tmp_path / "cli.db"
    store = open_store(db)
    bench_store(store, tmp_path, 20)
    store.close()
    mock = mock_provider(error_500=0.1)
    env = {**evalign_env(mock.url), "OPENAI_API_KEY": SECRET_KEY}
    evalign = Path(sys.executable).with_name("evalign")
    for args in (["run", JUDGE, "--dataset", DATASET, "--no-cache", "--json"],
                 ["runs", "show", "1", "--json"], ["runs", "list"]):
        proc = subprocess.run([str(evalign), *args, "--db", str(db)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert SECRET_KEY not in proc.stdout + proc.stderr
    store = open_store(db)
    try:
        assert SECRET_KEY not in _store_text(store)
    finally:
        store.close()


def test_a_provider_quoting_the_key_back_is_scrubbed(sqlite_store: Store, tmp_path: Path,
                                                     mock_provider: MockFactory) -> None:
    """A 401 whose message quotes the key sent: the stored error must not repeat it."""
    bench_store(sqlite_store, tmp_path, 5)
    mock_provider(api_key="sk-the-right-key")
    summary = run_judge(sqlite_store, JUDGE, DATASET, use_cache=False)
    assert summary.errors == 5
    text = _store_text(sqlite_store)
    assert "Incorrect API key provided" in text  # the error was stored, scrubbed
    assert SECRET_KEY not in text
