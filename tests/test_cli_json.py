"""A consistent shell: --json where it is cheap, errors as JSON under --json, and tables that
wrap ids and names instead of cutting them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.store import open_store
from tests.report.helpers import add_dataset, add_run

LONG = "a-dataset-name-long-enough-to-be-cut-in-a-narrow-terminal-v2"


def _evalign(*args: str, columns: int = 100) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-c", "from evalign.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, check=False)


def _column(table: str, index: int) -> str:
    """The text of one column of a Rich table's body, its folded lines joined."""
    rows = [line.split("│") for line in table.splitlines() if line.startswith("│")]
    return "".join(cells[index + 1].strip() for cells in rows if len(cells) > index + 1)


def test_version_and_models_answer_json() -> None:
    runner = CliRunner()
    assert json.loads(runner.invoke(app, ["version", "--json"]).stdout)["version"]
    models = json.loads(runner.invoke(app, ["models", "list", "--json"]).stdout)
    assert models and {"model", "path", "present"} <= set(models[0])


def test_judge_export_takes_json_too(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    open_store(db).close()  # read commands refuse a store that does not exist
    runner = CliRunner()
    name = json.loads(runner.invoke(app, ["judge", "list", "--json", "--db", db]).stdout)[0][
        "name"]
    exported = runner.invoke(app, ["judge", "export", name, "--json", "--db", db])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["prompt"]


def test_errors_are_json_under_json(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    open_store(db).close()  # read commands refuse a store that does not exist
    done = _evalign("report", "999", "--json", "--db", db)
    assert done.returncode == 2
    error = json.loads(done.stdout)
    assert error["kind"] == "NotFoundError" and "no run 999" in error["error"]
    plain = _evalign("report", "999", "--db", db)
    assert plain.returncode == 2 and plain.stdout == "" and "no run 999" in plain.stderr
    as_format = _evalign("report", "999", "--format", "json", "--db", db)
    assert json.loads(as_format.stdout)["exit_code"] == 2


def test_tables_wrap_ids_instead_of_cutting_them(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    store = open_store(db)
    add_dataset(store, LONG, [{"h": "pass"}, {"h": "fail"}])
    add_run(store, LONG, ["pass", "pass"], judge="judge-with-a-long-name-as-well")
    store.close()
    for args in (("datasets", "list"), ("runs", "list"), ("disagreements", "1")):
        out = _evalign(*args, "--db", db, columns=40)
        assert out.returncode == 0, out.stderr
        assert "…" not in out.stdout, out.stdout
        if args[0] != "disagreements":  # a table: the name, folded, is whole in its column
            column = 0 if args[0] == "datasets" else 2
            assert LONG in _column(out.stdout, column), out.stdout
        else:  # blocks: nothing to fold
            assert "criterion default" in out.stdout
