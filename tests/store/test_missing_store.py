"""A SQLite store that does not exist is created only by commands that make something.

A mistyped `--db` once created an empty store (folders included) and answered "no alignment run
1" as if the user's data had none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.errors import NotFoundError
from evalign.store import open_store
from tests.cli_invoke import invoke

FIXTURES = Path(__file__).parent.parent / "fixtures"

READ_COMMANDS = [
    ["align", "status", "1"],
    ["align", "history", "j"],
    ["runs", "list"],
    ["runs", "show", "1"],
    ["report", "1"],
    ["datasets", "list"],
    ["export", "d", "never-written.jsonl"],
    ["run", "j", "--dataset", "d"],
    ["align", "j", "--dataset", "d"],
]


def test_open_store_without_create_refuses_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "x.db"
    with pytest.raises(NotFoundError, match=f"no evalign store at {missing}: check --db"):
        open_store(missing, create=False)
    assert not (tmp_path / "no").exists()


def test_open_store_creates_by_default_and_then_opens_without_create(tmp_path: Path) -> None:
    path = tmp_path / "new" / "x.db"
    open_store(path).close()
    assert path.is_file()
    open_store(path, create=False).close()


def test_postgres_and_memory_are_unaffected(pg_url: str) -> None:
    open_store(pg_url, create=False).close()
    open_store(":memory:", create=False).close()


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_read_commands_refuse_a_mistyped_db(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "nonexistent" / "dir" / "x.db"
    code, out = invoke(*args, "--db", str(missing))
    assert code == 2
    assert f"no evalign store at {missing}" in out
    assert "evalign import" in out
    assert not (tmp_path / "nonexistent").exists()


@pytest.mark.parametrize("args", [["judge", "list"], ["judge", "show", "pairwise-preference"]],
                         ids=lambda a: " ".join(a[:2]))
def test_judge_list_and_show_without_a_store_show_the_built_ins(tmp_path: Path,
                                                               args: list[str]) -> None:
    # A newcomer looks for the judge that fits before importing anything.
    missing = tmp_path / "nonexistent" / "x.db"
    result = CliRunner().invoke(app, [*args, "--db", str(missing)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"no evalign store at {missing}" in result.stderr
    assert "showing the built-in judges only" in result.stderr
    assert "pairwise-preference" in result.stdout
    assert not (tmp_path / "nonexistent").exists()


def test_default_store_on_a_fresh_machine_says_there_is_none(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EVALIGN_DB", raising=False)
    code, out = invoke("runs", "list")
    assert code == 2
    assert f"no evalign store at {tmp_path / 'evalign.db'}" in out
    assert list(tmp_path.iterdir()) == []


def test_import_creates_the_store_and_read_commands_then_open_it(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "x.db"
    code, out = invoke("import", str(FIXTURES / "labeled.csv"), "-d", "d", "--db", str(db))
    assert code == 0, out
    assert db.is_file()
    code, out = invoke("datasets", "list", "--db", str(db))
    assert code == 0, out
    assert "d" in out


def test_judge_create_may_start_a_store(tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    prompt = tmp_path / "p.txt"
    prompt.write_text("Is {{ output }} right? Answer PASS or FAIL.")
    code, out = invoke("judge", "create", "j", "--prompt-file", str(prompt), "--db", str(db))
    assert code == 0, out
    assert db.is_file()


def test_judge_list_json_gives_the_version_a_name_runs(tmp_path: Path) -> None:
    # The table said current 1 where --json said null for a built-in with no accepted version.
    result = CliRunner().invoke(app, ["judge", "list", "--json", "--db",
                                      str(tmp_path / "none.db")])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["pairwise-preference"]["current_version"] == 1
