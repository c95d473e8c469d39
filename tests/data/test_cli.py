"""The data commands, end to end: import, datasets list/show/sample/delete, export, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
EVALIGN = Path(sys.executable).with_name("evalign")
runner = CliRunner()


def _json(args: list[str]) -> object:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_import_json_summary_list_show(db_url: str, shared_datasets: Path) -> None:
    path = str(shared_datasets / "evalsbench/public.csv")
    summary = _json(["import", path, "--dataset", "eb", "--db", db_url])
    assert isinstance(summary, dict)
    assert {k: summary[k] for k in ("dataset", "rows", "labeled", "labels", "annotators",
                                    "warnings")} == {
        "dataset": "eb", "rows": 96, "labeled": 96, "labels": {"fail": 48, "pass": 48},
        "annotators": ["human"], "warnings": []}
    op = _json(["import", str(FIXTURES / "openpipe_alignment.jsonl"), "-d", "op", "--db", db_url])
    assert isinstance(op, dict) and (op["rows"], op["labeled"]) == (3, 2)
    assert any("at least 30" in w for w in op["warnings"])
    listed = _json(["datasets", "list", "--db", db_url])
    assert [{k: d[k] for k in ("name", "rows", "labeled")} for d in listed] == [  # type: ignore[union-attr]
        {"name": "eb", "rows": 96, "labeled": 96}, {"name": "op", "rows": 3, "labeled": 2}]
    shown = _json(["datasets", "show", "eb", "--db", db_url])
    assert isinstance(shown, dict)
    assert shown["criteria"] == {"default": "pass_fail"} and len(shown["preview"]) == 5
    assert shown["labels"] == {"default": {"fail": 48, "pass": 48}}


def test_import_options_scale_map_sample_and_text_output(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    csv_path = tmp_path / "r.csv"
    csv_path.write_text("prompt,reply,stars,who\np,a,5,ann\np2,b,2,bob\np3,c,1,ann\n")
    result = runner.invoke(app, ["import", str(csv_path), "-d", "r", "--scale", "stars",
                                 "--criterion", "quality", "--map", "output=reply",
                                 "--map", "label=stars", "--map", "annotator=who",
                                 "--sample", "2", "--seed", "1", "--db", db])
    assert result.exit_code == 0, result.output
    assert "r: 2 rows, 2 labeled" in result.stdout
    assert "warning:" in result.stdout
    shown = _json(["datasets", "show", "r", "--db", db])
    assert isinstance(shown, dict) and shown["criteria"] == {"quality": "stars"}


def test_sample_into_export_delete(tmp_path: Path, shared_datasets: Path) -> None:
    db = str(tmp_path / "e.db")
    _json(["import", str(shared_datasets / "llmbar/public.jsonl"), "-d", "llmbar", "--db", db])
    sampled = _json(["datasets", "sample", "llmbar", "--into", "llmbar-30", "--n", "30",
                     "--seed", "5", "--db", db])
    assert isinstance(sampled, dict) and (sampled["rows"], sampled["labeled"]) == (30, 30)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["export", "llmbar-30", str(out), "--db", db])
    assert result.exit_code == 0 and "wrote 30 rows" in result.stdout
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("id,input,")
    result = runner.invoke(app, ["datasets", "delete", "llmbar-30", "--yes", "--db", db])
    assert result.exit_code == 0
    assert [d["name"] for d in _json(["datasets", "list", "--db", db])] == ["llmbar"]  # type: ignore[union-attr, index]


def _evalign(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EVALIGN), *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_bad_input_exits_2_with_file_line_and_writes_nothing(db_url: str) -> None:
    done = _evalign("import", str(FIXTURES / "bad_judgement.jsonl"), "-d", "x", "--db", db_url)
    assert done.returncode == 2
    assert 'bad_judgement.jsonl:17: "judgement" must be PASS or FAIL, got "MAYBE"' in done.stderr
    assert done.stdout == ""
    listed = _evalign("datasets", "list", "--json", "--db", db_url)
    assert json.loads(listed.stdout) == []


def test_reimport_and_unknown_dataset_exit_2(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    path = str(FIXTURES / "labeled.csv")
    assert _evalign("import", path, "-d", "d", "--db", db).returncode == 0
    again = _evalign("import", path, "-d", "d", "--db", db)
    assert again.returncode == 2 and "--append" in again.stderr
    assert _evalign("import", path, "-d", "d", "--append", "--replace", "--db", db
                    ).returncode == 2
    replaced = _evalign("import", path, "-d", "d", "--replace", "--json", "--db", db)
    assert replaced.returncode == 0 and json.loads(replaced.stdout)["rows"] == 3
    missing = _evalign("datasets", "show", "nope", "--db", db)
    assert missing.returncode == 2 and "datasets: d" in missing.stderr


@pytest.mark.parametrize("fmt", ["openai-jsonl", "csv"])
def test_explicit_format_on_a_mismatching_file_is_a_data_error(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / ("x.csv" if fmt == "openai-jsonl" else "x.jsonl")
    path.write_text("question,response\nq,a\n" if fmt == "openai-jsonl" else '{"a": 1}\n')
    result = runner.invoke(app, ["import", str(path), "-d", "x", "--format", fmt,
                                 "--db", str(tmp_path / "e.db")])
    assert result.exit_code != 0 and result.exception is not None
    assert str(result.exception).startswith(f"{path.name}:1:")


def test_list_and_show_name_the_version_and_superseded_ones(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    path = str(FIXTURES / "labeled.csv")
    for mode in ([], ["--replace"], ["--replace"]):
        assert runner.invoke(app, ["import", path, "-d", "d", *mode, "--db", db]).exit_code == 0
    assert runner.invoke(app, ["import", path, "-d", "e", "--db", db]).exit_code == 0
    current = _json(["datasets", "list", "--db", db])
    assert [(d["name"], d["version"]) for d in current] == [("d", 3), ("e", 1)]  # type: ignore[union-attr, index]
    every = _json(["datasets", "list", "--all", "--db", db])
    assert [(d["name"], d["version"], d["superseded_at"] is None)  # type: ignore[union-attr, index]
            for d in every] == [("d", 1, False), ("d", 2, False), ("d", 3, True), ("e", 1, True)]
    table = runner.invoke(app, ["datasets", "list", "--all", "--db", db]).stdout
    assert "superseded" in table and "current" in table

    shown = _json(["datasets", "show", "d", "--db", db])
    assert isinstance(shown, dict) and shown["version"] == 3
    assert [v["version"] for v in shown["versions"]] == [1, 2, 3]
    text = runner.invoke(app, ["datasets", "show", "d", "--db", db]).stdout
    assert "d version 3 (" in text
    assert "superseded versions (readable by id): 1 (3 rows, replaced 20" in text
    assert "superseded" not in runner.invoke(app, ["datasets", "show", "e", "--db", db]).stdout


def test_export_to_dash_prints_only_rows_on_stdout(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    _json(["import", str(FIXTURES / "labeled.csv"), "-d", "d", "--db", db])
    result = runner.invoke(app, ["export", "d", "-", "--json", "--db", db])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["q1", "q2", "q3"]
    assert '"rows": 3' in result.stderr
    assert not Path("-").exists()
