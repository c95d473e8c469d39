"""Pairwise alignment: choices compared as classes (ties included), pairwise trivial baselines."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from evalign.align import AlignConfig, accept_alignment, execute_alignment, start_alignment
from evalign.align.baselines import pairwise_baselines
from evalign.align.examples import Example
from evalign.align.run import AlignmentRun
from evalign.align.scoring import agreement
from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.decomposed import score_decomposed
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.providers.base import GenerateRequest
from evalign.providers.scripted import ScriptedModel
from evalign.scores import ScoreConfig
from evalign.store import Store, repo_datasets
from evalign.store.repo_judges import create_judge, resolve
from tests.align.helpers import as_dict

PAIRWISE = ScoreConfig(kind="pairwise")
PROMPT = ("Which output follows the instruction better? Answer 1, 2 or tie.\n\n"
          "Instruction: {input}\n\nOutput 1:\n{output_1}\n\nOutput 2:\n{output_2}")


def _rows(n: int = 24) -> list[Row]:
    """The better output says 'correct'; it is the longer one only half the time."""
    out = []
    for k in range(n):
        good, bad = f"correct answer {k}", f"a much longer but wrong answer number {k}"
        first_better = k % 2 == 0
        item = Item({"input": f"task {k}"}, good if first_better else bad,
                    output_2=bad if first_better else good, external_id=str(k))
        label = "1" if first_better else "2"
        value = PAIRWISE.parse_value(label)
        out.append(Row(item, (LabelIn("preference", value, reasoning="the correct one"),), k + 1))
    return out


def _judge(request: GenerateRequest) -> str:
    """A judge biased to position 1 unless told by guidelines to look for correctness."""
    text = " ".join(str(m["content"]) for m in request.messages)
    if "Write at most" in text:  # the reflection call
        return "- Prefer the output that is correct, whatever its length or position."
    if "correct, whatever" in text:
        first = text.split("Output 1:", 1)[1].split("Output 2:", 1)[0]
        return "1" if "correct answer" in first else "2"
    return "1"


def test_pairwise_alignment_compares_choices_and_beats_pairwise_baselines(
        sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        repo_datasets.write_dataset(s, "pairs", _rows(), repo_datasets.Criteria(s, PAIRWISE))
        create_judge(s, "pw", JudgeSpec(prompt=PROMPT, scale=PAIRWISE, model="scripted/x"))
    run_id = start_alignment(sqlite_store, "pw", AlignConfig(
        dataset="pairs", group_by="input", strategies=("guidelines",), rounds=1))
    done = execute_alignment(sqlite_store, run_id, models={"judge": ScriptedModel(_judge),
                                                           "reflection": ScriptedModel(_judge)})
    out = as_dict(done.outcome)
    assert done.status == "aligned" and out["disagreements"] > 0
    assert set(out["trivial_baselines"]) == {"majority", "first", "longer"}
    assert out["candidate"]["agreement"] == 1.0
    assert out["strategy"] == "guidelines" and out["recommended"]
    # Position bias, answered in both orders, is inconsistent: a tie, which the humans never said.
    assert out["baseline"]["agreement"] == 0.0


def test_ties_are_a_class_and_pairwise_baselines() -> None:
    items = [Item({"input": "x"}, "aa", output_2="a", external_id="1"),
             Item({"input": "y"}, "b", output_2="bb", external_id="2"),
             Item({"input": "z"}, "c", output_2="c", external_id="3")]
    examples = [Example(i, PAIRWISE.parse_value(v), PAIRWISE) for i, v in
                zip(items, ("1", "tie", "0"), strict=True)]
    spec = JudgeSpec(scale=PAIRWISE)
    verdicts = [Verdict(value=1), Verdict(value=2), Verdict(value=0)]
    assert agreement(spec, examples, verdicts) == 2 / 3
    assert agreement(spec, examples, [Verdict(value=None, error="x")] * 3) == 0.0
    base = {b.name: b.choices for b in pairwise_baselines(examples, examples, PAIRWISE)}
    assert base["first"] == [1, 1, 1] and base["longer"] == [1, 2, 0]
    assert base["majority"] == [0, 0, 0]  # two ties out of three on "train"


def _decompose_pairs(store: Store, model: Callable[[GenerateRequest], str],
                     checks: dict[str, Any] | None = None,
                     ) -> tuple[dict[str, Any], AlignmentRun]:
    """`decompose` on the pairs dataset with a pairwise judge, `model` as judge and reflection
    (`checks`: the run's fixed questions)."""
    with store.session() as s:
        repo_datasets.write_dataset(s, "pairs", _rows(), repo_datasets.Criteria(s, PAIRWISE))
        create_judge(s, "pw", JudgeSpec(prompt=PROMPT, scale=PAIRWISE, model="scripted/x"))
    run_id = start_alignment(store, "pw", AlignConfig(
        dataset="pairs", group_by="input", strategies=("decompose",), checks=checks or {}))
    done = execute_alignment(store, run_id, models={"judge": ScriptedModel(model),
                                                    "reflection": ScriptedModel(model)})
    return as_dict(done.outcome), done


def test_instruction_checklists_compare_outputs_by_their_answers(sqlite_store: Store) -> None:
    asked: list[str] = []

    def model(request: GenerateRequest) -> str:
        text = str(request.messages[-1]["content"])
        if text.startswith("Write at most"):
            asked.append(text)
            return "1. Does the response give the correct answer?\n2. Does the response help?"
        if request.choices == ("Yes", "No"):
            response, question = text.split("Response:\n", 1)[1].rsplit("\n\n", 1)
            return "Yes" if "correct answer" in response or "help?" in question else "No"
        return "1"

    out, done = _decompose_pairs(sqlite_store, model)
    assert out["strategy"] == "decompose", (out["notes"], out["validation"], done.error)
    assert out["candidate"]["agreement"] == 1.0
    assert out["checks"]["instruction_checklist"] is True
    assert out["checks"]["examples"][0] == [
        "[output 1] Does the response give the correct answer?",
        "[output 1] Does the response help?",
        "[output 2] Does the response give the correct answer?",
        "[output 2] Does the response help?"]
    assert all("Instruction:\ntask" in a for a in asked)  # one checklist per instruction
    assert len(asked) == 24  # every item once (train, validation, test)


def test_whole_instruction_check_is_kept_when_the_written_checks_cannot_tell(
        sqlite_store: Store) -> None:
    written: list[str] = []

    def model(request: GenerateRequest) -> str:
        text = str(request.messages[-1]["content"])
        if text.startswith("Write at most"):
            written.append(text)
            return "Does the response use full sentences? Yes.\nDoes the response mention a task?"
        if request.choices == ("Yes", "No"):
            response, question = text.split("Response:\n", 1)[1].rsplit("\n\n", 1)
            if "exactly what the instruction asks" in question:
                return "Yes" if "correct answer" in response else "No"
            return "Yes"  # the written checks are met by both outputs alike
        return "1"

    out, done = _decompose_pairs(sqlite_store, model)
    assert out["strategy"] == "decompose", (out["notes"], done.error)
    assert out["checks"]["pairwise_checks"] == "whole"
    assert out["candidate"]["agreement"] == 1.0
    # The listed checks are the ones that decide: the whole-instruction check of each output.
    assert out["checks"]["examples"][0] == [
        "[output 1] Does the response do exactly what the instruction asks?",
        "[output 2] Does the response do exactly what the instruction asks?"]
    # Checklists were written for train and validation items only: the accepted judge asks
    # the test items its one check without writing any.
    parts = out["split_items"]
    assert parts["test"] and len(written) == len(parts["train"]) + len(parts["val"])


def test_fixed_questions_replace_the_written_checklists_and_survive_accept(
        sqlite_store: Store) -> None:
    written: list[str] = []
    asked: set[str] = set()

    def model(request: GenerateRequest) -> str:
        text = str(request.messages[-1]["content"])
        if text.startswith("Write at most"):
            written.append(text)
            return "Does the response mention a task?"
        if request.choices == ("Yes", "No"):
            response, question = text.split("Response:\n", 1)[1].rsplit("\n\n", 1)
            asked.add(question.removesuffix(" Answer Yes or No."))
            return "Yes" if "correct" in response and "right?" in question else "No"
        return "1"

    out, done = _decompose_pairs(sqlite_store, model,
                                 checks={"questions": ["Is the answer right?"]})
    assert out["strategy"] == "decompose", (out["notes"], done.error)
    assert out["candidate_spec"]["checks"]["questions"] == ["Is the answer right?"]
    assert out["candidate"]["agreement"] == 1.0
    assert written == []  # no checklist was written: the user's question stands for it
    assert "Is the answer right?" in asked
    accept_alignment(sqlite_store, done.id, force=True)
    with sqlite_store.session() as s:
        saved = resolve(s, "pw").spec
    item = Item({"input": "task 99"}, "a wrong one", output_2="correct answer 99")
    verdict = asyncio.run(score_decomposed(saved, item, ScriptedModel(model)))
    assert verdict.value == 2 and written == []
    assert "[output 2] Is the answer right?" in [c.question for c in verdict.checks]
