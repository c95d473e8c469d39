"""Scoring one item: prompt layout, p_pass and threshold, pairwise position swap, code judges."""

from __future__ import annotations

import asyncio

import pytest

from evalign.errors import ConfigError, NotFoundError
from evalign.items import Item
from evalign.judges import CodeJudges, JudgeSpec, score_item
from evalign.judges.prompt import build_request
from evalign.providers import ScriptedModel
from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.scores import ScoreConfig

ITEM = Item(inputs={"question": "What is 2+2?"}, output="4", external_id="q1", id=7)


def test_constant_part_comes_first_and_item_part_last() -> None:
    spec = JudgeSpec(prompt="Judge this.\nQuestion: {question}\nAnswer: {response}",
                     guidelines="Be strict.",
                     few_shot=[{"fields": {"question": "1+1?", "response": "2"},
                                "label": "pass", "reasoning": "correct"}])
    one = build_request(spec, ITEM)
    two = build_request(spec, Item(inputs={"question": "Capital of France?"}, output="Paris"))
    assert one.messages[0] == two.messages[0]  # the system message is the same for every item
    system = one.messages[0]["content"]
    assert system.index("Be strict.") < system.index("Example 1") < system.index("Answer format")
    assert one.messages[1]["content"].startswith("Judge this.\nQuestion: What is 2+2?")
    assert one.choices == ("PASS", "FAIL") and one.json_schema is not None
    assert one.choices_key == "verdict"  # p_pass at the verdict, after the reasoning
    stars = build_request(spec.model_copy(update={"scale": ScoreConfig.parse("stars")}), ITEM)
    assert stars.choices is None and stars.json_schema is not None


class Probs:
    """A provider that answers FAIL but puts p on PASS."""

    model = "test/probs"
    max_concurrency = 1

    def __init__(self, p_pass: float):
        self.p_pass = p_pass

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        return GenerateResult(text="FAIL\nmisses a point",
                              choice_probs={"PASS": self.p_pass, "FAIL": 1 - self.p_pass})

    async def aclose(self) -> None:
        pass


def test_p_pass_is_stored_and_threshold_decides() -> None:
    spec = JudgeSpec(prompt="{response}")
    verdict = asyncio.run(score_item(spec, ITEM, Probs(0.3)))
    assert (verdict.value, verdict.p_pass, verdict.reasoning) == ("fail", 0.3, "misses a point")
    tuned = spec.model_copy(update={"threshold": 0.25})
    assert asyncio.run(score_item(tuned, ITEM, Probs(0.3))).value == "pass"
    assert asyncio.run(score_item(tuned, ITEM, Probs(0.2))).value == "fail"


PAIR_SPEC = JudgeSpec(prompt="Which is better?\n1: {output_1}\n2: {output_2}",
                      scale=ScoreConfig.parse("pairwise"))
PAIR = Item(inputs={"input": "say hi"}, output="hello there friend", output_2="hi", id=1)


def _prefers_longer(request: GenerateRequest) -> str:
    first, second = request.context["output_1"], request.context["output_2"]
    return "1" if len(str(first)) > len(str(second)) else "2"


def test_pairwise_consistent_preference_survives_the_swap() -> None:
    verdict = asyncio.run(score_item(PAIR_SPEC, PAIR, ScriptedModel(_prefers_longer)))
    assert verdict.value == 1
    assert [c.passed for c in verdict.checks] == [True]
    assert "[outputs in order 2, 1]" in verdict.raw


def test_pairwise_position_bias_becomes_a_tie() -> None:
    verdict = asyncio.run(score_item(PAIR_SPEC, PAIR, ScriptedModel("constant:1")))
    assert verdict.value == 0
    assert [c.passed for c in verdict.checks] == [False]
    assert "inconsistent under position swap" in verdict.reasoning


def test_code_judges_from_registry_and_module_path() -> None:
    judges = CodeJudges({"short": lambda item: len(item.output or "") < 3})
    spec = JudgeSpec(kind="code", prompt="short")
    assert asyncio.run(score_item(spec, ITEM, None, code_judges=judges)).value == "pass"
    by_path = JudgeSpec(kind="code", prompt="tests.judges.code_fixtures:long_enough")
    assert asyncio.run(score_item(by_path, ITEM, None)).value == "fail"
    broken = JudgeSpec(kind="code", prompt="tests.judges.code_fixtures:broken")
    verdict = asyncio.run(score_item(broken, ITEM, None))
    assert (verdict.value, verdict.error_kind) == (None, "code_error")
    assert "cannot judge q1" in (verdict.error or "")
    with pytest.raises(NotFoundError):
        asyncio.run(score_item(JudgeSpec(kind="code", prompt="nope"), ITEM, None))
    with pytest.raises(ConfigError):
        asyncio.run(score_item(JudgeSpec(kind="code", prompt="no_such_module:f"), ITEM, None))


def test_code_judges_from_command_line_references() -> None:
    judges = CodeJudges.from_references(
        ["long=tests.judges.code_fixtures:long_enough", "tests.judges.code_fixtures:long_enough"])
    assert judges.names() == ["long", "tests.judges.code_fixtures:long_enough"]
    spec = JudgeSpec(kind="code", prompt="long")
    assert asyncio.run(score_item(spec, ITEM, None, code_judges=judges)).value == "fail"
    with pytest.raises(ConfigError, match="module:function"):
        CodeJudges.from_references(["bad=nocolon"])
