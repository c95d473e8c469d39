"""A reflection reply that holds no guideline never becomes the candidate's guidelines."""

from __future__ import annotations

import re

import pytest

from evalign.align import AlignConfig, execute_alignment, start_alignment
from evalign.align.strategies.guideline_reply import usable_guidelines
from evalign.providers.base import GenerateRequest
from evalign.providers.scripted import ScriptedModel
from evalign.scores import ScoreConfig
from evalign.store import Store
from tests.align.helpers import as_dict, seed_store

PASS_FAIL = ScoreConfig(kind="pass_fail")


def guided_judge(request: GenerateRequest) -> str:
    """PASS without guidelines; with any guidelines, the right answer (every note covered).

    Whatever the guidelines say, so a candidate made of a useless reply would look better."""
    text = "\n".join(str(m["content"]) for m in request.messages)
    if "Guidelines:" not in text:
        return "PASS"
    response = text.split("Response: ", 1)[1].split("\nGrading Notes: ", 1)[0]
    notes = text.split("Grading Notes: ", 1)[1].split("\n", 1)[0]
    covered = all(c.strip() in response for c in notes.split(","))
    return "PASS" if covered else "FAIL"


def _align(store: Store, reply: str) -> dict[str, object]:
    seed_store(store)
    config = AlignConfig(dataset="bench", group_by="question",
                         strategies=("guidelines", "fewshot"), rounds=1)
    run_id = start_alignment(store, "gn", config)
    done = execute_alignment(store, run_id, models={
        "judge": ScriptedModel(guided_judge),
        "reflection": ScriptedModel(lambda request: reply)})
    assert done.status == "aligned", done.error
    return as_dict(done.outcome)


@pytest.mark.parametrize("reply", ["FAIL", "", "Verdict: **PASS**", "The final answer is FAIL."])
def test_a_reply_without_guidelines_is_a_note_not_the_candidate(store: Store, reply: str) -> None:
    out = _align(store, reply)
    assert not out["guidelines"]
    assert "guidelines" not in str(out["strategy"])
    spec = out["candidate_spec"]
    assert isinstance(spec, dict) and not spec.get("guidelines")
    notes = [str(n) for n in out["notes"]]  # type: ignore[attr-defined]
    dropped = [n for n in notes if n.startswith("guidelines: round 1 dropped")]
    assert dropped, notes
    assert (repr(reply.strip()) in dropped[0]) if reply else ("empty" in dropped[0])
    rounds = [p for p in out["validation"]["curve"]  # type: ignore[index]
              if p["strategy"] == "guidelines" and p["round"] == 1]
    assert rounds == []  # no candidate was scored for that round


def test_a_reply_with_a_rule_still_becomes_the_candidate(store: Store) -> None:
    out = _align(store, "- FAIL\n- Check that every point of the grading notes is covered.")
    assert out["strategy"] == "guidelines"
    assert out["guidelines"] == "- Check that every point of the grading notes is covered."


@pytest.mark.parametrize("reply", [
    "FAIL", "pass", "  \n", "**PASS**", "Verdict: FAIL", "1. Yes", "The final answer is FAIL.",
    "- Be strict.", '{"verdict": "FAIL"}', "- FAIL\n- PASS\n- Be strict",
])
def test_replies_that_hold_no_guideline(reply: str) -> None:
    assert usable_guidelines(reply, PASS_FAIL) == ""


def test_a_scale_label_is_a_verdict_too() -> None:
    scale = ScoreConfig.parse("categorical:poor,fair,excellent")
    assert usable_guidelines("Excellent", scale) == ""
    assert usable_guidelines("The verdict is: fair", scale) == ""
    assert usable_guidelines("- Rate excellent only when every point is covered", scale) \
        == "- Rate excellent only when every point is covered"


def test_usable_lines_are_kept_as_written_and_bare_verdicts_dropped() -> None:
    reply = "Guidelines:\n- FAIL\n- A missing point is a fail.\n- Be strict.\n* **PASS**"
    assert usable_guidelines(reply, PASS_FAIL) == "- A missing point is a fail.\n- Be strict."
    plain = "Fail a response that skips any point of the notes."
    assert usable_guidelines(plain, PASS_FAIL) == f"- {plain}"
    assert re.fullmatch(r"(- .+\n?){6}", usable_guidelines(
        "\n".join(f"- rule number {k} applies here" for k in range(9)), PASS_FAIL))
