"""The judge, run, runs, cancel and generate commands, end to end on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.errors import ConfigError, ConflictError
from evalign.store import open_store
from tests.runner.helpers import TEMPLATE, add_evalsbench

runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


@pytest.fixture
def db(tmp_path: Path, shared_datasets: Path) -> str:
    path = str(tmp_path / "cli.db")
    store = open_store(path)
    add_evalsbench(store, shared_datasets, limit=8)
    store.close()
    return path


def test_judge_commands(db: str, tmp_path: Path) -> None:
    prompt = tmp_path / "p.txt"
    prompt.write_text(TEMPLATE)
    created = json.loads(_ok("judge", "create", "truth", "--prompt-file", str(prompt),
                             "--model", "scripted/field:truth", "--param", "temperature=0",
                             "--dataset", "eb", "--db", db, "--json"))
    assert (created["ref"], created["params"]) == ("truth@1", {"temperature": 0})
    prompt.write_text(TEMPLATE + "\nBe strict.")
    _ok("judge", "edit", "truth", "--prompt-file", str(prompt), "--db", db)
    versions = json.loads(_ok("judge", "versions", "truth", "--db", db, "--json"))
    assert [v["version"] for v in versions] == [1, 2]
    assert json.loads(_ok("judge", "show", "truth@1", "--db", db, "--json"))["prompt"] == TEMPLATE
    listed = {j["name"] for j in json.loads(_ok("judge", "list", "--db", db, "--json"))}
    assert {"truth", "ragas-baseline", "grading-notes"} <= listed
    _ok("judge", "fork", "grading-notes", "--name", "gn", "--db", db)
    exported = tmp_path / "gn.yaml"
    _ok("judge", "export", "gn@1", "--format", "yaml", "--out", str(exported), "--db", db)
    _ok("judge", "import", str(exported), "--name", "gn2", "--db", db)
    assert _ok("judge", "export", "gn2", "--db", db) == exported.read_text().replace(
        "name: gn\n", "name: gn2\n")

    bad = tmp_path / "bad.txt"
    bad.write_text("{context} {response}")
    result = runner.invoke(app, ["judge", "create", "x", "--prompt-file", str(bad),
                                 "--dataset", "eb", "--db", db])
    assert isinstance(result.exception, ConfigError) and "{context}" in str(result.exception)
    result = runner.invoke(app, ["judge", "edit", "grading-notes", "--prompt-file", str(bad),
                                 "--db", db])
    assert isinstance(result.exception, ConflictError)


def test_run_commands(db: str, tmp_path: Path) -> None:
    prompt = tmp_path / "p.txt"
    prompt.write_text(TEMPLATE)
    _ok("judge", "create", "truth", "--prompt-file", str(prompt), "--model",
        "scripted/field:truth", "--db", db)
    first = json.loads(_ok("run", "truth", "--dataset", "eb", "--db", db, "--json"))
    assert {k: first[k] for k in ("status", "items", "verdicts", "errors", "calls", "cached")} \
        == {"status": "completed", "items": 8, "verdicts": 8, "errors": 0, "calls": 8,
            "cached": 0}
    assert {"run", "prompt_tokens", "completion_tokens", "wall_s"} <= set(first)
    second = _ok("run", "truth", "--dataset", "eb", "--db", db)
    assert "0 model calls (all cached)" in second
    detail = json.loads(_ok("runs", "show", str(first["run"]), "--db", db, "--json"))
    row = detail["items"][0]
    assert {"item", "output", "value", "p_pass", "reasoning", "error", "raw", "attempts",
            "cached"} <= set(row)
    assert row["p_pass"] in (0.0, 1.0)
    runs = json.loads(_ok("runs", "list", "--db", db, "--json"))
    assert [r["run"] for r in runs] == [2, 1]
    assert "already completed" in _ok("cancel", "1", "--db", db)
    resumed = json.loads(_ok("run", "--resume", "1", "--db", db, "--json"))
    assert (resumed["status"], resumed["verdicts"]) == ("completed", 8)
    generated = json.loads(_ok("generate", "eb", "--model", "scripted/constant:hello",
                               "--into", "eb-hello", "--db", db, "--json"))
    assert (generated["items"], generated["errors"]) == (8, 0)
