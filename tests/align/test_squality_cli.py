"""SQuALITY through the CLI, as issue 13 checks it: `evalign import` joins each item's reference
answers from the stories file beside the ratings, the built-in `reference-rating` judge is aligned
by calibration (grouped by passage), accepted, run, and its report has numeric figures.

The judge model is the scripted provider answering with the item's mean correctness rating (an
input field through `--map`): a stand-in that correlates with the overall rating but sits on
another level, which calibration must correct.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from evalign.judges.builtin import builtin_judges
from evalign.judges.template import template_fields
from evalign.scores import ScoreConfig
from tests.cli_invoke import invoke, invoke_json

JUDGE = "reference-rating"
MODEL = "scripted/field:mean_correctness"


def _align(db: str, dataset: str) -> tuple[int, str]:
    return invoke("align", JUDGE, "--dataset", dataset, "--criterion", "overall",
                   "--group-by", "passage_id", "--strategy", "calibrate", "--sample", "60",
                   "--judge-model", MODEL, "--reflection-model", "scripted/constant:50",
                   "--db", db, "--json")


def _numeric(db: str, judge: str) -> dict[str, Any]:
    run = invoke_json("run", judge, "--dataset", "sq", "--model", MODEL, "--db", db, "--json")
    assert run["status"] == "completed" and run["errors"] == 0, run
    report = invoke_json("report", str(run["run"]), "--format", "json", "--db", db)
    return dict(report["numeric"])


def test_import_align_accept_run_report(tmp_path: Path, shared_datasets: Path) -> None:
    db = str(tmp_path / "e.db")
    summary = invoke_json("import", str(shared_datasets / "squality_human_eval/public.jsonl"),
                    "--dataset", "sq", "--map", "mean_correctness=mean_correctness",
                    "--db", db, "--json")
    assert summary["references"] == {"source": "stories_public.jsonl", "items": 180,
                                     "missing": 0}
    code, out = _align(db, "sq")
    assert code == 0, out
    outcome = json.loads(out)
    assert outcome["status"] == "aligned" and outcome["strategy"] == "calibrate", outcome
    accepted = invoke_json("align", "accept", str(outcome["run"]), "--db", db, "--json")
    assert accepted["version"] == f"{JUDGE}-aligned@2"
    aligned = _numeric(db, f"{JUDGE}-aligned")  # bound to `overall`: no --criterion needed
    assert isinstance(aligned["mae"], float) and isinstance(aligned["spearman"], float)
    assert aligned["n"] == 180 and aligned["spearman"] > 0.4  # one per item: the raters' mean
    baseline = _numeric(db, f"{JUDGE}-aligned@1")  # the built-in's prompt, uncalibrated
    assert aligned["mae"] < baseline["mae"]


def test_align_refuses_items_without_references(tmp_path: Path, shared_datasets: Path) -> None:
    alone = tmp_path / "alone.jsonl"  # the ratings without the stories file beside them
    shutil.copy(shared_datasets / "squality_human_eval/public.jsonl", alone)
    db = str(tmp_path / "e.db")
    assert invoke_json("import", str(alone), "--dataset", "sq", "--db", db, "--json")[
        "references"] is None
    code, out = _align(db, "sq")
    assert code == 2 and "{references}" in out and "--references" in out, out
    assert "--map references=COLUMN" in out
    assert invoke_json("align", "history", JUDGE, "--db", db, "--json") == []  # nothing created


def test_the_builtin_rates_0_to_100_against_the_references() -> None:
    spec = next(j.spec for j in builtin_judges() if j.name == JUDGE)
    assert spec.scale == ScoreConfig.parse("numeric:0:100:50")
    assert template_fields(spec.prompt) == ["question", "references", "response"]
