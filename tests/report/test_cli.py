"""The report, disagreements and agreement commands, through the real CLI app."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.store import open_store
from tests.report.helpers import add_dataset, add_run

BALANCED = [{"human": "pass" if i % 2 == 0 else "fail"} for i in range(40)]


def _db(tmp_path: Path) -> tuple[str, int, int]:
    db = str(tmp_path / "e.db")
    store = open_store(db)
    add_dataset(store, "bal", BALANCED)
    base = add_run(store, "bal", ["pass"] * 40)
    better = add_run(store, "bal", ["pass" if i % 2 == 0 or i == 1 else "fail"
                                    for i in range(40)])
    store.close()
    return db, base, better


def test_report_json_has_the_documented_keys(tmp_path: Path) -> None:
    db, base, better = _db(tmp_path)
    result = CliRunner().invoke(app, ["report", str(base), "--vs", str(better), "--format",
                                      "json", "--db", db])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("comparisons", "cannot_compare", "agreement", "agreement_ci", "misaligned",
                "confusion", "fail_precision", "fail_recall", "fail_f1", "pass_precision",
                "pass_recall", "pass_f1", "kappa", "kappa_ci", "mcc", "balanced_accuracy",
                "auc", "numeric", "warnings"):
        assert key in data
    assert data["agreement"] == 0.5 and data["fail_precision"] is None
    paired = data["paired"]
    for key in ("difference", "difference_ci", "mcnemar_p", "flipped_to_aligned",
                "flipped_to_misaligned"):
        assert key in paired
    assert len(paired["flipped_to_aligned"]) == 19


def test_report_table_csv_and_html_files(tmp_path: Path) -> None:
    db, base, _ = _db(tmp_path)
    runner = CliRunner()
    table = runner.invoke(app, ["report", str(base), "--db", db])
    assert table.exit_code == 0 and "Cohen's κ" in table.stdout and "20 of 40" in table.stdout
    rows = list(csv.DictReader(io.StringIO(
        runner.invoke(app, ["report", str(base), "--format", "csv", "--db", db]).stdout)))
    assert {r["metric"]: r["value"] for r in rows}["agreement"] == "0.5"
    by = runner.invoke(app, ["report", str(base), "--by", "topic", "--format", "csv",
                             "--db", db])
    assert [r["group"] for r in csv.DictReader(io.StringIO(by.stdout))] == ["even", "odd"]
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(base), "--format", "html", "--out", str(out),
                                 "--db", db])
    assert result.exit_code == 0
    html = out.read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_disagreements_and_agreement(tmp_path: Path) -> None:
    db, base, _ = _db(tmp_path)
    store = open_store(db)
    add_dataset(store, "multi", [{"a": "pass", "b": "fail"}, {"a": "fail", "b": "fail"},
                                 {"a": "pass", "b": "pass"}])
    store.close()
    runner = CliRunner()
    fp = runner.invoke(app, ["disagreements", str(base), "--kind", "fp", "--json", "--db", db])
    assert fp.exit_code == 0
    data = json.loads(fp.stdout)
    assert data["count"] == 20 and data["items"][0]["human_reasoning"] == "human says fail"
    fn = json.loads(runner.invoke(app, ["disagreements", str(base), "--kind", "fn", "--json",
                                        "--db", db]).stdout)
    assert fn["count"] == 0
    text = runner.invoke(app, ["disagreements", str(base), "--db", db])
    assert "judge says pass" in text.stdout
    agreement = runner.invoke(app, ["agreement", "multi", "--json", "--db", db])
    data = json.loads(agreement.stdout)
    for key in ("items", "annotators", "fleiss_kappa", "krippendorff_alpha",
                "mean_pairwise_agreement", "pairwise_cohen_kappa"):
        assert key in data
    assert data["pairwise_cohen_kappa"]["a|b"] == pytest.approx(0.4)
    assert data["mean_pairwise_agreement"] == pytest.approx(2 / 3)


def test_unknown_run_is_a_user_error(tmp_path: Path) -> None:
    db, _, _ = _db(tmp_path)
    result = CliRunner().invoke(app, ["report", "999", "--db", db])
    assert result.exit_code != 0
    assert "no run 999" in str(result.exception)


def test_agreement_on_imported_pandalm_and_squality(tmp_path: Path,
                                                    shared_datasets: Path) -> None:
    from evalign.data.importer import import_file

    db = str(tmp_path / "e.db")
    store = open_store(db)
    import_file(store, shared_datasets / "pandalm/public.jsonl", "pandalm")
    import_file(store, shared_datasets / "squality_human_eval/public.jsonl", "squality")
    store.close()
    runner = CliRunner()
    pandalm = json.loads(runner.invoke(app, ["agreement", "pandalm", "--json", "--db", db]).stdout)
    assert (pandalm["items"], pandalm["annotators"]) == (607, 3)
    assert pandalm["krippendorff_level"] == "nominal"
    assert set(pandalm["pairwise_cohen_kappa"]) == {
        "annotator1|annotator2", "annotator1|annotator3", "annotator2|annotator3"}
    assert 0.8 < pandalm["fleiss_kappa"] < 0.95
    ambiguous = runner.invoke(app, ["agreement", "squality", "--db", db])
    assert "--criterion" in str(ambiguous.exception)
    squality = json.loads(runner.invoke(app, ["agreement", "squality", "-c", "overall",
                                              "--json", "--db", db]).stdout)
    assert squality["krippendorff_level"] == "interval" and squality["annotators"] == 4
    assert 12 < squality["mean_abs_diff_100"] < 20  # "about 16 points" per the dataset notes


def test_disagreements_show_input_output_excerpts_and_the_annotator(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    store = open_store(db)
    long_answer = "word " * 100 + "THE-END"
    add_dataset(store, "ex", [{"ann": "fail"}, {"ann": "pass", "bob": "fail"}],
                outputs=[long_answer, "short answer"])
    run = add_run(store, "ex", ["pass", "pass"])
    store.close()
    result = CliRunner().invoke(app, ["disagreements", str(run), "--policy", "per_label",
                                      "--db", db], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "ex-0 · fp · annotator ann · human fail · judge pass" in lines
    assert "ex-1 · fp · annotator bob · human fail · judge pass" in lines
    assert "  input: question: <q0> & co" in lines
    output = next(line for line in lines if line.startswith("  output: word word"))
    assert output.endswith("…") and "THE-END" not in output and len(output) < 180
    assert "  output: short answer" in lines
    assert "  human reasoning: human says fail" in lines

    consensus = CliRunner().invoke(app, ["disagreements", str(run), "--db", db],
                                   env={"COLUMNS": "300"})  # the default policy
    assert "ex-0 · fp · annotator ann · human fail · judge pass" in consensus.stdout
    assert "ex-1" not in consensus.stdout  # ann and bob tie: no human side, no disagreement


def test_numeric_shares_print_as_percentages(tmp_path: Path) -> None:
    db = str(tmp_path / "n.db")
    store = open_store(db)
    add_dataset(store, "num", [{"h": 50 + i} for i in range(27)], scale="numeric:0:100:50")
    run = add_run(store, "num", [50 + i + (0 if i < 2 else 1) for i in range(27)],
                  scale="numeric:0:100:50")
    store.close()
    out = CliRunner().invoke(app, ["report", str(run), "--db", db])
    assert out.exit_code == 0, out.output
    row = next(line for line in out.stdout.splitlines() if "│ under 1 point apart " in line)
    assert "7.4%" in row and "7.407" not in row  # 2 of 27 equal; 1-point gaps are not aligned
    html = tmp_path / "n.html"
    assert CliRunner().invoke(app, ["report", str(run), "--format", "html", "--out", str(html),
                                    "--db", db]).exit_code == 0
    assert "7.4%" in html.read_text()


def test_a_pairwise_tie_reads_as_tie_in_the_html_disagreements(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    store = open_store(db)
    add_dataset(store, "pw", [{"h": 1}, {"h": 2}, {"h": 0}, {"h": 1}], scale="pairwise")
    run = add_run(store, "pw", [0, 2, 1, 1], scale="pairwise")
    store.close()
    html = tmp_path / "p.html"
    assert CliRunner().invoke(app, ["report", str(run), "--format", "html", "--out", str(html),
                                    "--db", db]).exit_code == 0
    page = html.read_text()
    rows = page[page.index("<th>judge reasoning</th>"):]
    assert "<td>tie</td>" in rows and "<td>0</td>" not in rows
