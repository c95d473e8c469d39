"""Decomposition on numeric scales: the references split into key points, each point asked as a
yes/no check, and the checks' share turned into a score on the human scale (aggregation and
monotone map chosen by grouped cross-validation on MAE)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import numpy as np
import pytest

from evalign.align import AlignConfig, accept_alignment, execute_alignment, start_alignment
from evalign.align.aggregate import learn_numeric
from evalign.data.records import LabelIn, Row
from evalign.errors import ConfigError
from evalign.items import Item
from evalign.judges.decomposed import aggregate_verdict, item_questions, mapped_score_100
from evalign.judges.scorer import score_item
from evalign.judges.spec import CheckResult, JudgeSpec, Verdict
from evalign.providers.base import GenerateRequest
from evalign.providers.scripted import ScriptedModel
from evalign.scores import ScoreConfig
from evalign.store import Store, repo_datasets
from evalign.store.repo_judges import create_judge, resolve
from tests.align.helpers import as_dict

SCALE = ScoreConfig(kind="numeric", min=0, max=100, threshold=50)
FACTS = ("the ship lands", "the captain lies", "the crew escapes", "the planet burns")
PROMPT = "Rate 0-100.\nQuestion: {question}\nReferences: {references}\nResponse: {output}"


def _rows(n: int = 40) -> list[Row]:
    """Item k states the first k % 5 facts; humans rate 10 + 20 per fact stated (± 3)."""
    out = []
    for k in range(n):
        stated = k % 5
        response = ". ".join(FACTS[:stated]) or "Nothing relevant."
        refs = "Reference 1:\n" + ". ".join(FACTS) + "\n\nReference 2:\n" + ". ".join(FACTS)
        item = Item({"question": f"What happens in story {k // 5}?", "references": refs},
                    response, external_id=str(k))
        human = 10 + 20 * stated + (3 if k % 2 else -3)
        out.append(Row(item, (LabelIn("overall", float(human)),), k + 1))
    return out


def _model(request: GenerateRequest) -> str:
    """Splits references into one point per fact; answers a check by looking for the fact in
    the response; rates every item 50 (a judge with no ranking at all)."""
    text = str(request.messages[-1]["content"])
    if text.startswith("The reference answers below"):
        return "\n".join(f"- {fact}" for fact in FACTS)
    asked = re.search(r'state that "(.+?)"\?', text)
    if asked:
        response = text.split("Response:\n", 1)[1].split("\n\n", 1)[0]
        return "Yes" if asked.group(1) in response else "No"
    return "50"


def test_learn_numeric_maps_check_shares_onto_the_human_scale() -> None:
    probs = [[1.0] * k + [0.0] * (4 - k) for k in range(5)] * 6
    human = [10.0 + 20 * (i % 5) for i in range(30)]
    groups = [str(i // 5) for i in range(30)]
    _, calibration, maes = learn_numeric(probs, human, groups)
    # Every map fits these exactly: cross-validation cannot choose, so the maps are averaged.
    assert calibration is not None and calibration["method"] == "average"
    assert maes["average"] < 1 and len(calibration["members"]) > 1
    assert maes["mean/none"] > 5  # the raw share (0–100) is off the human scale
    three = [1.0, 1.0, 1.0, 0.0]
    assert mapped_score_100(calibration, three, 75.0) == pytest.approx(70.0, abs=1)


def test_learn_numeric_keeps_one_map_when_it_is_clearly_best() -> None:
    # Two modes (a step after the third check met): only the isotonic map follows the step.
    probs = [[1.0] * k + [0.0] * (4 - k) for k in range(5)] * 6
    human = [10.0 if i % 5 < 3 else 90.0 for i in range(30)]
    groups = [str(i // 5) for i in range(30)]
    aggregation, calibration, maes = learn_numeric(probs, human, groups, methods=("mean",))
    assert aggregation == {"method": "mean"} and calibration is not None
    assert calibration["method"] == "isotonic" and "average" not in maes
    assert maes["mean/isotonic"] < 1 < maes["mean/linear"]
    assert mapped_score_100(calibration, [1.0, 1.0, 1.0, 0.0], 75.0) == pytest.approx(90.0)


def test_the_kept_choice_is_scored_where_it_never_looked() -> None:
    # Check answers unrelated to the ratings: the lowest of a dozen out-of-fold MAEs is luck,
    # and the figure of the whole choice, made on other folds, does not share it.
    rng = np.random.default_rng(3)
    probs = [list(rng.uniform(size=4)) for _ in range(40)]
    human = list(rng.uniform(0, 100, size=40))
    groups = [str(i // 4) for i in range(40)]
    _, _, maes = learn_numeric(probs, human, groups)
    luckiest = min(v for k, v in maes.items() if "/" in k)
    assert maes["selected"] > luckiest
    # Where the checks do carry the ratings, the honest figure still finds them.
    probs = [[1.0] * k + [0.0] * (4 - k) for k in range(5)] * 6
    human = [10.0 + 20 * (i % 5) for i in range(30)]
    _, _, maes = learn_numeric(probs, human, [str(i // 5) for i in range(30)])
    assert maes["selected"] < 1


def test_an_average_without_members_is_refused() -> None:
    with pytest.raises(ConfigError, match="members"):
        mapped_score_100({"method": "average", "members": []}, [1.0], 100.0)


def test_reference_field_is_split_into_facts_and_scored_on_the_scale() -> None:
    spec = JudgeSpec(kind="decomposed", prompt=PROMPT, scale=SCALE, model="scripted/x",
                     checks={"rubric_field": "references", "split": "model",
                             "context_fields": ["question", "output"]})
    item = _rows()[2].item
    questions, _, _ = asyncio.run(item_questions(spec, item, ScriptedModel(_model)))
    assert questions[0] == 'Does the response state that "the ship lands"?'
    verdict = asyncio.run(score_item(spec, item, ScriptedModel(_model)))
    assert verdict.value == 50.0 and "2 of 4 answered yes" in (verdict.reasoning or "")
    calibrated = spec.model_copy(update={"checks": spec.checks | {
        "calibration": {"method": "linear", "x": [0.0, 100.0], "y": [10.0, 90.0]}}})
    assert aggregate_verdict(calibrated, verdict).value == pytest.approx(50.0)
    stars = calibrated.model_copy(update={"scale": ScoreConfig.parse("stars")})
    assert aggregate_verdict(stars, verdict).value in (3, 4)


def test_numeric_decompose_beats_a_flat_judge_and_the_accepted_judge_keeps_its_map(
        sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        repo_datasets.write_dataset(s, "rated", _rows(), repo_datasets.Criteria(s, SCALE))
        create_judge(s, "rater", JudgeSpec(prompt=PROMPT, scale=SCALE, model="scripted/x"))
    run_id = start_alignment(sqlite_store, "rater", AlignConfig(
        dataset="rated", group_by="question", strategies=("calibrate", "decompose")))
    done = execute_alignment(sqlite_store, run_id, models={"judge": ScriptedModel(_model),
                                                           "reflection": ScriptedModel(_model)})
    out = as_dict(done.outcome)
    assert out["strategy"] == "decompose", out["notes"]
    base, cand = out["baseline"]["numeric"], out["candidate"]["numeric"]
    assert cand["mae"] < 5 < base["mae"] and cand["spearman"] > 0.9
    checks = out["candidate_spec"]["checks"]
    assert checks["rubric_field"] == "references" and "calibration" in checks
    accept_alignment(sqlite_store, run_id)
    with sqlite_store.session() as s:
        assert resolve(s, "rater").spec.checks["calibration"] == checks["calibration"]
    # The accepted judge on the held-out items: the report repeats the outcome's figures.
    from evalign.report.build import run_report
    from evalign.workflows.held_out import run_held_out

    summary = run_held_out(sqlite_store, "rater", run_id, provider=ScriptedModel(_model))
    report = run_report(sqlite_store, summary.run)
    assert report["numeric"]["mae"] == pytest.approx(cand["mae"])
    assert report["numeric"]["spearman"] == pytest.approx(cand["spearman"])


def test_an_unreadable_check_is_an_error_not_a_score() -> None:
    spec = JudgeSpec(kind="decomposed", prompt=PROMPT, scale=SCALE, model="scripted/x",
                     checks={"questions": ["Does the response name the ship?"]})
    verdict = asyncio.run(score_item(spec, _rows()[1].item, ScriptedModel("constant:maybe")))
    assert verdict.value is None and verdict.error_kind and "maybe" in (verdict.raw or "")
    empty = Verdict(value=None, checks=[CheckResult(question="q", passed=True, p_yes=0.9)])
    assert aggregate_verdict(spec, empty).value == pytest.approx(90.0)


def _notes_rows(n: int = 40) -> list[Row]:
    """Pass/fail items whose notes list two facts; the fail items miss the second one."""
    out = []
    for k in range(n):
        passed = k % 2 == 0
        response = "the ship lands. the crew escapes" if passed else "the ship lands"
        item = Item({"question": f"Story {k // 4}?", "grading_notes": "ship lands; crew escapes"},
                    response, external_id=str(k))
        out.append(Row(item, (LabelIn("correct", "pass" if passed else "fail"),), k + 1))
    return out


def _lazy_splitter(request: GenerateRequest) -> str:
    """A model whose own split keeps only the first fact; checks look the fact up."""
    text = str(request.messages[-1]["content"])
    if text.startswith("Rewrite the grading notes"):
        return "- ship lands"
    asked = re.search(r'mention "(.+?)"\?', text)
    if asked:
        response = text.split("Response:\n", 1)[1].split("\n\n", 1)[0]
        return "Yes" if asked.group(1) in response else "No"
    return "PASS"


def _seed_noted(store: Store) -> None:
    """The pass/fail `notes` dataset and a prompt judge `noted` that reads its grading notes."""
    pass_fail = ScoreConfig.parse("pass_fail")
    with store.session() as s:
        repo_datasets.write_dataset(s, "notes", _notes_rows(),
                                    repo_datasets.Criteria(s, pass_fail))
        create_judge(s, "noted", JudgeSpec(
            prompt="Grade.\nQuestion: {question}\nNotes: {grading_notes}\nResponse: {output}",
            scale=pass_fail, model="scripted/x"))


def test_auto_split_keeps_the_split_that_cross_validates_better(sqlite_store: Store) -> None:
    _seed_noted(sqlite_store)
    run_id = start_alignment(sqlite_store, "noted", AlignConfig(
        dataset="notes", group_by="question", strategies=("decompose",)))
    done = execute_alignment(sqlite_store, run_id, models={
        "judge": ScriptedModel(_lazy_splitter), "reflection": ScriptedModel(_lazy_splitter)})
    out = as_dict(done.outcome)
    choice = out["details"]["split_choice"]
    assert choice["rules"] > choice["model"], choice  # the model's split lost a fact
    assert out["candidate_spec"]["checks"]["split"] == "rules"
    assert out["candidate"]["agreement"] == 1.0


def _looping_splitter(request: GenerateRequest) -> str:
    """A model whose split answer loops on dashes; checks as `_lazy_splitter`'s."""
    if str(request.messages[-1]["content"]).startswith("Rewrite the grading notes"):
        return "- " * 200
    return _lazy_splitter(request)


def test_a_model_split_that_lists_no_point_falls_back_to_the_rules_and_says_so(
        sqlite_store: Store) -> None:
    _seed_noted(sqlite_store)
    run_id = start_alignment(sqlite_store, "noted", AlignConfig(
        dataset="notes", group_by="question", strategies=("decompose",), rubric_split="model"))
    done = execute_alignment(sqlite_store, run_id, models={
        "judge": ScriptedModel(_looping_splitter), "reflection": ScriptedModel(_looping_splitter)})
    out = as_dict(done.outcome)
    note = next(n for n in out["notes"] if "model split" in n)
    fitted = out["split"]["train"] + out["split"]["val"]
    assert f"for {fitted} of {fitted} train/validation items" in note, note
    assert not any('"-' in q for q in out["checks"]["examples"][0])  # no check about dashes
    assert out["candidate"]["agreement"] == 1.0


def test_an_empty_reference_is_an_error_not_a_perfect_score() -> None:
    spec = JudgeSpec(kind="decomposed", prompt=PROMPT, scale=SCALE, model="scripted/x",
                     checks={"rubric_field": "references", "split": "model",
                             "context_fields": ["question", "output"]})
    item = Item({"question": "What happens?", "references": "  "}, "The ship lands.",
                external_id="e")
    model = ScriptedModel(_model)
    verdict = asyncio.run(score_item(spec, item, model))
    assert verdict.value is None and verdict.error_kind == "empty"
    assert "'references' field gives no point" in (verdict.error or "")
    assert model.calls == 0  # no split asked of nothing, no check asked
    rules = spec.model_copy(update={"checks": spec.checks | {"split": "rules"}})
    assert asyncio.run(score_item(rules, item, model)).error_kind == "empty"


def test_rules_split_references_into_sentences_spread_over_every_reference() -> None:
    from evalign.judges.rubric import split_references

    text = ("Reference 1:\nMr. Smith builds a machine. It fails! Why?\n\n"
            "Reference 2:\nThe machine fails. It fails!\nThe town cheers.")
    points = [c.text for c in split_references(text, limit=4)]
    assert points == ["Mr. Smith builds a machine", "The machine fails. It fails!",
                      "It fails! Why?", "The town cheers"]
    assert all("Reference" not in c.text for c in split_references(text))
    assert len(split_references("Reference 1:\n" + "A long enough sentence. " * 30)) == 1


def test_a_numeric_judge_against_pass_fail_labels_keeps_its_learned_rule(
        sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        repo_datasets.write_dataset(s, "notes", _notes_rows(),
                                    repo_datasets.Criteria(s, ScoreConfig.parse("pass_fail")))
        create_judge(s, "scored", JudgeSpec(
            prompt="Rate 0-100.\nQuestion: {question}\nNotes: {grading_notes}\nResponse: "
                   "{output}", scale=SCALE, model="scripted/x"))
    run_id = start_alignment(sqlite_store, "scored", AlignConfig(
        dataset="notes", group_by="question", strategies=("decompose",), rubric_split="rules"))
    done = execute_alignment(sqlite_store, run_id, models={
        "judge": ScriptedModel(_lazy_splitter), "reflection": ScriptedModel(_lazy_splitter)})
    out = as_dict(done.outcome)
    assert str(out["candidate_spec"]["scale"]).startswith("pass_fail"), out["notes"]
    assert out["candidate"]["agreement"] == 1.0  # the learned rule, not the 0–100 threshold
    assert any("labels' scale" in n for n in out["notes"])


def test_accepting_edited_checks_drops_the_calibration_and_records_the_version_untested(
        sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        repo_datasets.write_dataset(s, "rated", _rows(), repo_datasets.Criteria(s, SCALE))
        create_judge(s, "rater", JudgeSpec(prompt=PROMPT, scale=SCALE, model="scripted/x"))
    run_id = start_alignment(sqlite_store, "rater", AlignConfig(
        dataset="rated", group_by="question", strategies=("decompose",)))
    execute_alignment(sqlite_store, run_id, models={"judge": ScriptedModel(_model),
                                                    "reflection": ScriptedModel(_model)})
    accept_alignment(sqlite_store, run_id,
                     checks={"questions": ['Does the response state that "the ship lands"?']})
    with sqlite_store.session() as s:
        version = resolve(s, "rater")
    assert "calibration" not in version.spec.checks
    assert version.provenance["untested"] is True and version.provenance["recommended"] is False
    assert version.provenance["dropped"] == ["calibration"]


def test_numeric_candidates_are_kept_by_validation_mae_not_agreement() -> None:
    from evalign.align.engine import _better
    from evalign.align.strategies.base import Candidate

    base = Candidate(JudgeSpec(), "base", 0.5, val_mae=20.0)
    agreeable = Candidate(JudgeSpec(), "guidelines", 0.9, val_mae=25.0)
    closer = Candidate(JudgeSpec(), "decompose", 0.4, val_mae=8.0)
    assert not _better(agreeable, base) and _better(closer, base)
    assert _better(Candidate(JudgeSpec(), "x", 0.6), Candidate(JudgeSpec(), "y", 0.5))


def test_a_run_started_from_edited_checks_calibrates_and_tests_them(
        sqlite_store: Store) -> None:
    """Edited checks saved at accept lose their calibration; aligning with them gets one."""
    # Only three of the four facts: the edited judge must learn its own map onto the scale.
    asked = [f'Does the response state that "{fact}"?' for fact in FACTS[:3]]
    with sqlite_store.session() as s:
        repo_datasets.write_dataset(s, "rated", _rows(), repo_datasets.Criteria(s, SCALE))
        create_judge(s, "rater", JudgeSpec(prompt=PROMPT, scale=SCALE, model="scripted/x"))
    run_id = start_alignment(sqlite_store, "rater", AlignConfig(
        dataset="rated", group_by="question", strategies=("decompose",),
        checks={"questions": asked}))
    done = execute_alignment(sqlite_store, run_id, models={"judge": ScriptedModel(_model),
                                                           "reflection": ScriptedModel(_model)})
    out = as_dict(done.outcome)
    checks = out["candidate_spec"]["checks"]
    assert out["strategy"] == "decompose", out["notes"]
    assert checks["questions"] == asked and "calibration" in checks
    assert "rubric_field" not in checks and "split_choice" not in out["details"]
    assert "references" in checks["context_fields"]  # shown as context, not split
    cand = out["candidate"]["numeric"]
    assert cand["mae"] < out["baseline"]["numeric"]["mae"] and cand["spearman"] > 0.8


def test_a_checks_file_that_cannot_start_a_run_is_refused_before_anything_runs(
        tmp_path: Path) -> None:
    from tests.cli_invoke import invoke

    db = str(tmp_path / "e.db")
    learned = tmp_path / "learned.yaml"
    learned.write_text("questions:\n  - Does the response cite a source?\n"
                       "aggregation: {method: all_pass}\n", encoding="utf-8")
    code, out = invoke("align", "j", "--dataset", "d", "--checks", str(learned), "--db", db)
    assert code == 2 and f"{learned}: an aggregation is learned by the run" in out
    split = tmp_path / "split.yaml"
    split.write_text("split: model\n", encoding="utf-8")
    code, out = invoke("align", "j", "--dataset", "d", "--checks", str(split),
                       "--rubric-split", "rules", "--db", db)
    assert code == 2 and "split model conflicts with --rubric-split rules" in out
    with pytest.raises(ConfigError, match="checks: aggregation cannot start a run"):
        AlignConfig(dataset="d", checks={"aggregation": {"method": "all_pass"}})
    assert AlignConfig(dataset="d", checks=["Is it short?"]).checks == {
        "questions": ["Is it short?"]}
