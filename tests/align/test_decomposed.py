from __future__ import annotations

import asyncio

from evalign.items import Item
from evalign.judges.decomposed import aggregate_verdict, check_questions, score_decomposed
from evalign.judges.serialize import spec_from_dict, spec_to_dict
from evalign.judges.spec import JudgeSpec
from evalign.providers.scripted import ScriptedModel
from evalign.runner import score_items
from evalign.store import Store
from evalign.store.repo_judges import create_judge, export_dict, import_dict, resolve
from tests.align.helpers import Recorder

SPEC = JudgeSpec(kind="decomposed", checks={"rubric_field": "grading_notes",
                                            "context_fields": ["question", "output"],
                                            "glossary": {"mkt": "market"}})
ITEM = Item({"question": "Why?", "grading_notes": "*alpha*, beta; mkt gamma"},
            "alpha and beta matter", external_id="x")


def test_one_question_per_concept_with_a_shared_prefix() -> None:
    model = Recorder()
    verdict = asyncio.run(score_decomposed(SPEC, ITEM, model))
    questions = [c.question for c in verdict.checks]
    assert questions == ['Does the response mention "alpha"?', 'Does the response mention "beta"?',
                         'Does the response mention "market gamma"?']
    assert [c.passed for c in verdict.checks] == [True, True, False]
    assert verdict.value == "fail" and "market gamma" in verdict.reasoning
    assert verdict.p_pass == 0.0
    texts = [str(r.messages[-1]["content"]) for r in model.requests]
    prefix = texts[0].rsplit("\n\n", 1)[0]
    assert all(t.startswith(prefix) for t in texts)  # the item text comes first, once
    assert prefix.startswith("Question:\nWhy?") and "grading" not in prefix.lower()
    lenient = SPEC.model_copy(update={"checks": SPEC.checks | {
        "aggregation": {"method": "count_failed", "max_failed": 1}}})
    assert aggregate_verdict(lenient, verdict).value == "pass"


def test_model_split_with_rule_fallback_and_glossary() -> None:
    spec = SPEC.model_copy(update={"checks": SPEC.checks | {"split": "model"}})
    model = Recorder()
    verdict = asyncio.run(score_decomposed(spec, ITEM, model))
    asked = str(model.requests[0].messages[-1]["content"])
    assert asked.startswith("Rewrite the grading notes") and "market gamma" in asked
    # The notes' shorthand is read against the question they grade, never the response.
    assert "Question:\nWhy?\n\nGrading notes:" in asked and "alpha and beta matter" not in asked
    assert [c.question for c in verdict.checks][-1] == 'Does the response mention "market gamma"?'
    assert verdict.prompt_tokens > 0  # the split call is accounted
    # A model that lists no point: the rule splitter decides, never a guess.
    lost = ScriptedModel(lambda r: "Yes" if r.choices else "I cannot help with that.")
    fallback = asyncio.run(score_decomposed(spec, ITEM, lost))
    assert [c.question for c in fallback.checks] == check_questions(SPEC, ITEM)


def test_fixed_questions_and_unreadable_answer() -> None:
    spec = JudgeSpec(kind="decomposed", checks={"questions": ["Is it polite?"]})
    assert check_questions(spec, ITEM) == ["Is it polite?"]
    verdict = asyncio.run(score_decomposed(spec, ITEM, ScriptedModel("constant:maybe")))
    assert verdict.value is None and verdict.error_kind == "unreadable"
    assert "maybe" in verdict.raw


def test_export_round_trip_scores_the_same(sqlite_store: Store) -> None:
    spec = SPEC.model_copy(update={"checks": SPEC.checks | {
        "aggregation": {"method": "min_threshold", "threshold": 0.4}}})
    assert spec_from_dict(spec_to_dict(spec)) == spec
    with sqlite_store.session() as s:
        create_judge(s, "dec", spec)
        exported = export_dict(s, "dec@1")
        import_dict(s, exported, name="dec-copy")
        loaded = resolve(s, "dec-copy").spec
    assert loaded == spec
    items = [ITEM, Item({"question": "q", "grading_notes": "beta"}, "beta", external_id="y")]
    first = asyncio.run(score_items(spec, items, model=Recorder()))
    second = asyncio.run(score_items(loaded, items, model=Recorder()))
    assert [v.value for v in first.verdicts] == [v.value for v in second.verdicts] == \
        ["fail", "pass"]


def test_public_api_exports_align() -> None:
    import evalign

    assert callable(evalign.align)
    for name in ("start_alignment", "execute_alignment", "cancel_alignment", "accept_alignment",
                 "reject_alignment", "alignment_history", "AlignConfig", "AlignmentRun"):
        assert name in evalign.__all__
