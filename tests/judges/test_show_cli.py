"""`evalign judge show` of a decomposed judge: its checks, aggregation and calibration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.judges.spec import JudgeSpec
from evalign.scores import ScoreConfig
from evalign.store import open_store
from evalign.store.repo_judges import create_judge

CALIBRATION = {"method": "isotonic", "x": [0.0, 40.0, 75.0, 100.0], "y": [0.0, 20.0, 80.0, 100.0]}
FIXED: dict[str, Any] = {
    "questions": ["Does the response cite a source?", "Does the response answer the question?"],
    "glossary": {"ARR": "annual recurring revenue", "NRR": "net revenue retention"},
    "question_template": "Does the response cover {concept}?",
    "aggregation": {"method": "min_threshold", "threshold": 0.35},
    "calibration": CALIBRATION,
    "context_fields": ["question", "response"],
}
RUBRIC: dict[str, Any] = {"rubric_field": "grading_notes", "split": "model",
                          "content_free": True,
                          "aggregation": {"method": "logistic", "coef": [1, 2, 3, 4, 5],
                                          "intercept": -1.5}}
AVERAGED: dict[str, Any] = {
    "rubric_field": "references", "aggregation": {"method": "mean"},
    "calibration": {"method": "average", "members": [
        {"aggregation": {"method": "mean"}, "calibration": CALIBRATION},
        {"aggregation": {"method": "count_failed"}, "calibration": None}]}}


def _db(tmp_path: Path) -> str:
    path = str(tmp_path / "show.db")
    store = open_store(path)
    with store.session() as s:
        create_judge(s, "fixed", JudgeSpec(kind="decomposed", prompt="Rate {response} 1-5",
                                           model="scripted/constant:Yes", checks=FIXED))
        create_judge(s, "rubric", JudgeSpec(kind="decomposed", model="scripted/constant:Yes",
                                            checks=RUBRIC))
        create_judge(s, "averaged", JudgeSpec(kind="decomposed", model="scripted/constant:Yes",
                                              checks=AVERAGED))
        for mode in ("whole", "checklist"):
            create_judge(s, f"pairwise-{mode}", JudgeSpec(
                kind="decomposed", model="scripted/constant:Yes",
                scale=ScoreConfig(kind="pairwise"),
                checks={"instruction_checklist": True, "pairwise_checks": mode,
                        "tie_margin": 0.05}))
    store.close()
    return path


def _show(*args: str) -> str:
    result = CliRunner().invoke(app, ["judge", "show", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_show_lists_fixed_questions_glossary_aggregation_and_calibration(tmp_path: Path) -> None:
    db = _db(tmp_path)
    text = _show("fixed", "--db", db)
    assert "kind: decomposed" in text and "content_free" not in text
    assert "questions (2):" in text
    assert "- Does the response cite a source?" in text
    assert "- Does the response answer the question?" in text
    assert "glossary: 2 terms (ARR, NRR)" in text
    assert "question_template: Does the response cover {concept}?" in text
    assert "context_fields: ['question', 'response']" in text
    assert "aggregation: min_threshold (threshold 0.35)" in text
    assert "calibration: isotonic, 4 knots on 0-100" in text
    # The old rating prompt is never sent: it is labelled so, after the checks.
    assert "never this prompt" in text and text.index("questions (2)") < text.index("Rate")


def test_show_of_a_rubric_judge_and_its_defaults(tmp_path: Path) -> None:
    text = _show("rubric", "--db", _db(tmp_path))
    assert "rubric_field: grading_notes" in text and "split: model" in text
    assert "aggregation: logistic (coef 5 values, intercept -1.5)" in text
    assert "calibration: none" in text
    assert "content_free: each check is also asked of a content-free response (N/A)" in text
    assert "prompt" not in text.split("checks:", 1)[1]  # an empty prompt is not shown


def test_show_json_carries_the_full_checks(tmp_path: Path) -> None:
    db = _db(tmp_path)
    shown = json.loads(_show("fixed", "--db", db, "--json"))
    assert shown["kind"] == "decomposed" and shown["checks"] == FIXED
    assert json.loads(_show("rubric@1", "--db", db, "--json"))["checks"] == RUBRIC


def test_show_of_an_averaged_calibration_names_each_member(tmp_path: Path) -> None:
    text = _show("averaged", "--db", _db(tmp_path))
    assert "calibration: the average of 2 scores on 0-100" in text
    assert "mean through isotonic, 4 knots on 0-100" in text
    assert "count_failed through no map" in text


def test_show_of_a_pairwise_checklist_judge_names_what_compares_the_outputs(
        tmp_path: Path) -> None:
    db = _db(tmp_path)
    whole = _show("pairwise-whole", "--db", db)
    assert "whole-instruction" not in whole and "exactly what the instruction asks" in whole
    assert "(tie margin 0.05)" in whole and "pairwise_checks" not in whole
    listed = _show("pairwise-checklist", "--db", db)
    assert "the model writes checks for each item's instruction; the output meeting" in listed
