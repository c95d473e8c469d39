"""Checks read against a content-free response (contextual calibration, Zhao et al. 2021)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evalign.align import AlignConfig, execute_alignment, start_alignment
from evalign.align.choices import decompose_choices
from evalign.align.run import AlignmentRun
from evalign.items import Item
from evalign.judges.decomposed import check_probability, contrasted, score_decomposed
from evalign.judges.spec import CheckResult, JudgeSpec
from evalign.providers.base import GenerateRequest
from evalign.providers.scripted import ScriptedModel
from evalign.store import Store, repo_datasets
from evalign.store.repo_judges import create_judge
from evalign.web import create_app
from tests.align.helpers import PROMPT, WORDS, as_dict, check_answer, rows
from tests.cli_invoke import invoke
from tests.web.helpers import Client, text_of

# A small model says yes to some checks whatever the response holds ("leaning": the even
# words), and answers the others by what the response says ("clear": the odd words).
LEANING = {w for i, w in enumerate(WORDS) if i % 2 == 0}


def _graded(request: GenerateRequest) -> str:
    text = str(request.messages[-1]["content"])
    if request.choices != ("Yes", "No"):
        return "PASS"
    concept = re.findall(r'"([^"]+)"', text)[-1]
    response = text.split("Response:\n", 1)[1].rsplit("\n\n", 1)[0]
    present = concept in response
    if concept in LEANING:
        p = 0.85 if present else 0.80
    else:  # how sure it is of a clear point varies with the response's wording
        p = 0.6 + 0.3 * (sum(map(ord, response)) % 7) / 6 if present else 0.10
    return f"Yes (p={p:.3f})"


def _decompose_notes(store: Store, model: Callable[[GenerateRequest], str], *,
                     questions: int) -> tuple[dict[str, Any], AlignmentRun]:
    """`decompose` (rules split) on the notes dataset, `model` as judge and reflection."""
    with store.session() as s:
        repo_datasets.write_dataset(s, "notes", rows(questions), repo_datasets.Criteria(s))
        create_judge(s, "gn", JudgeSpec(prompt=PROMPT, model="scripted/constant:PASS"))
    run_id = start_alignment(store, "gn", AlignConfig(
        dataset="notes", group_by="question", strategies=("decompose",), rubric_split="rules"))
    done = execute_alignment(store, run_id, models={
        "judge": ScriptedModel(model), "reflection": ScriptedModel(model)})
    return as_dict(done.outcome), done


def test_contrast_reads_a_check_against_no_content() -> None:
    assert contrasted(0.8, 0.8) == pytest.approx(0.5)
    assert contrasted(0.9, 0.1) == pytest.approx(0.9878, abs=1e-4)
    assert contrasted(0.1, 0.9) < 0.02 and 0 < contrasted(0.0, 0.5) < 1e-3
    on = JudgeSpec(kind="decomposed", checks={"questions": ["q?"], "content_free": True})
    assert check_probability(on, CheckResult("q?", True, 0.85, 0.80)) == \
        pytest.approx(0.586, abs=1e-3)
    # A bare yes/no about no content (no probabilities given) is nothing to contrast with.
    assert check_probability(on, CheckResult("q?", True, 0.85, 1.0)) == 0.85
    off = on.model_copy(update={"checks": {"questions": ["q?"]}})
    assert check_probability(off, CheckResult("q?", True, 0.85, 0.80)) == 0.85


def test_a_content_free_judge_asks_every_check_of_n_a_after_the_response() -> None:
    asked: list[str] = []

    def model(request: GenerateRequest) -> str:
        asked.append(str(request.messages[-1]["content"]))
        return _graded(request)

    spec = JudgeSpec(kind="decomposed", model="scripted/x", checks={
        "rubric_field": "grading_notes", "content_free": True,
        "context_fields": ["question", "output"],
        "aggregation": {"method": "min_threshold", "threshold": 0.55}})
    item = Item({"question": "q?", "grading_notes": "alpha, beta"}, "alpha and beta matter")
    verdict = asyncio.run(score_decomposed(spec, item, ScriptedModel(model)))
    assert [a.split("Response:\n", 1)[1].split("\n\n", 1)[0] for a in asked] == \
        ["alpha and beta matter"] * 2 + ["N/A"] * 2
    assert all(a.startswith("Question:\nq?\n\nResponse:\n") for a in asked)
    assert [c.p_null for c in verdict.checks] == [pytest.approx(0.80), pytest.approx(0.10)]
    assert verdict.value == "pass" and verdict.p_pass == pytest.approx(0.586, abs=1e-3)
    # Without the contrast the leaning check's 0.85 would pass an answer that lacks it too.
    lacking = Item({"question": "q?", "grading_notes": "alpha, beta"}, "beta matters")
    verdict = asyncio.run(score_decomposed(spec, lacking, ScriptedModel(model)))
    assert verdict.value == "fail" and "alpha" in verdict.reasoning
    assert verdict.checks[0].p_yes == pytest.approx(0.80)


def test_decompose_reads_checks_against_no_content_when_that_separates_better(
        sqlite_store: Store, tmp_path: Path) -> None:
    out, done = _decompose_notes(sqlite_store, _graded, questions=24)
    assert out["strategy"] == "decompose", (out["notes"], done.error)
    figures = out["details"]["content_free_val_agreement"]
    assert figures["on"] == 1.0 and figures["off"] < 0.9
    assert out["details"]["content_free"] is True
    assert out["candidate_spec"]["checks"]["content_free"] is True
    assert out["candidate"]["agreement"] == 1.0
    # the curve marks what the candidate is made of, not the base judge it started from
    kept = [(p["strategy"], p["round"]) for p in out["validation"]["curve"] if p["kept"]]
    assert kept == [("decompose", "best")]
    # the CLI and the web page say the same words, from the one library function
    choices = decompose_choices(out)
    assert [c.key for c in choices] == ["content_free", "aggregation"]
    code, status = invoke("align", "status", str(done.id), "--db", str(tmp_path / "evalign.db"))
    assert code == 0, status
    status = " ".join(status.split())
    client = Client(create_app(sqlite_store, worker=False))
    try:
        page = text_of(client.get(f"/alignment/runs/{done.id}").text)
        api = client.get(f"/api/alignment/runs/{done.id}").json()["choices"]
    finally:
        client.close()
    assert api == [{"key": c.key, "text": c.text} for c in choices]
    for choice in choices:
        assert choice.text in status and choice.text in page, choice.text


def test_decompose_keeps_plain_p_yes_when_the_contrast_adds_nothing(sqlite_store: Store) -> None:
    out, _ = _decompose_notes(sqlite_store, check_answer, questions=16)
    assert out["details"]["content_free"] is False
    assert out["candidate_spec"]["checks"]["content_free"] is False
