"""Runs made by the runner with scripted judges on EvalsBench, reported through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.report.build import run_report
from evalign.runner import run_judge
from evalign.store import Store, open_store
from tests.runner.helpers import add_evalsbench, add_judge


def test_constant_pass_and_truth_judges_on_evalsbench(store: Store,
                                                      shared_datasets: Path) -> None:
    n = add_evalsbench(store, shared_datasets)
    add_judge(store, "yes", "scripted/constant:pass")
    add_judge(store, "truth", "scripted/field:truth")
    constant = run_judge(store, "yes", "eb").run
    truth = run_judge(store, "truth", "eb").run
    report = run_report(store, constant, vs=truth, by="judge")
    assert report["comparisons"] == n == 96
    assert report["agreement"] == 0.5 and report["kappa"] == 0.0
    assert report["fail_recall"] == 0.0 and report["fail_precision"] is None
    assert report["confusion"] == {"tp": 48, "fn": 0, "tn": 0, "fp": 48}
    paired = report["paired"]
    assert paired["difference"] == 0.5 and len(paired["flipped_to_aligned"]) == 48
    assert paired["mcnemar_p"] == pytest.approx(2 * 0.5 ** 48)
    perfect = run_report(store, truth)
    assert perfect["agreement"] == 1.0 and perfect["kappa"] == 1.0 and perfect["mcc"] == 1.0
    assert perfect["disagreements"] == []


def test_cli_json_on_a_runner_run(tmp_path: Path, shared_datasets: Path) -> None:
    db = str(tmp_path / "e.db")
    store = open_store(db)
    add_evalsbench(store, shared_datasets, limit=40)
    add_judge(store, "yes", "scripted/constant:pass")
    run = run_judge(store, "yes", "eb").run
    store.close()
    result = CliRunner().invoke(app, ["report", str(run), "--format", "json", "--db", db])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["comparisons"] == 40 and data["run"]["judge"] == "yes@v1"
    assert data["numeric"] is None


def test_pairwise_run_reports_position_bias(store: Store, shared_datasets: Path) -> None:
    from evalign.data.importer import import_file
    from evalign.scores import ScoreConfig

    import_file(store, shared_datasets / "pandalm/public.jsonl", "pd", sample=30, seed=1)
    add_judge(store, "first", "scripted/constant:1", prompt="{output_1}\n---\n{output_2}",
              scale=ScoreConfig.parse("pairwise"))
    run = run_judge(store, "first", "pd").run
    report = run_report(store, run)
    # always "1" in both orders: never consistent, so every verdict becomes a tie
    assert report["bias"]["position_swap_items"] == 30
    assert report["bias"]["position_consistency"] == 0.0
    # one comparison per item with a majority (three annotators each; a three-way tie has none)
    tied = report["cannot_compare_causes"].get("annotators_tied", 0)
    assert report["comparisons"] + tied == 30
    assert run_report(store, run, policy="per_label")["comparisons"] == 90
    ties = sum(1 for c in report["disagreements"] if c["human"] != 0)
    assert report["misaligned"] == ties
    assert report["annotators"]["annotators"] == 3
    assert report["bias"]["length"]["judge_prefers_longer"] is None  # ties only
