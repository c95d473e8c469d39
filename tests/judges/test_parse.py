"""The tolerant answer parser: what it reads, and what it refuses to guess."""

from __future__ import annotations

import asyncio

import pytest

from evalign.errors import ParseError
from evalign.items import Item
from evalign.judges import JudgeSpec, score_item
from evalign.judges.parse import asked_vocabulary, parse_answer
from evalign.providers import ScriptedModel
from evalign.scores import ScoreConfig

PF = ScoreConfig.parse("pass_fail")
STARS = ScoreConfig.parse("stars")
NUM = ScoreConfig.parse("numeric:0:10:7")
CAT = ScoreConfig.parse("categorical:bad,okay,good")
PAIR = ScoreConfig.parse("pairwise")


@pytest.mark.parametrize(("text", "scale", "value", "reason"), [
    ('{"verdict": "PASS", "reasoning": "covers all"}', PF, "pass", "covers all"),
    ('```json\n{"score": 4, "explanation": "solid"}\n```', STARS, 4, "solid"),
    ('Sure! {"verdict": "fail", "reason": "misses X"} Hope this helps.', PF, "fail", "misses X"),
    ("Verdict: FAIL\nIt omits the option pool.", PF, "fail", "It omits the option pool."),
    ("**Verdict:** PASS", PF, "pass", ""),
    ("PASS\nEvery critical point is covered.", PF, "pass", "Every critical point is covered."),
    ("fail", PF, "fail", ""),
    ("Score: 8/10 because it is thorough", NUM, 8.0, "because it is thorough"),
    ("4/5 clear and complete", STARS, 4, "clear and complete"),
    ("good - clear answer", CAT, "good", "clear answer"),
    ('{"verdict": "2", "reasoning": "follows the instruction"}', PAIR, 2,
     "follows the instruction"),
    ("tie", PAIR, 0, ""),
    ("Output (a)", PAIR, 1, ""),
])
def test_reads_common_answer_shapes(text: str, scale: ScoreConfig, value: object,
                                    reason: str) -> None:
    parsed = parse_answer(text, scale)
    assert parsed.value == value
    assert parsed.reasoning == reason


@pytest.mark.parametrize(("text", "scale"), [
    ("", PF),
    ("I think the response is mostly good.", PF),
    ("The answer passes in spirit.", PF),
    ("seven", STARS),
    ("9", STARS),
    ('{"verdict": "maybe"}', PF),
    ("excellent", CAT),
])
def test_refuses_to_guess(text: str, scale: ScoreConfig) -> None:
    with pytest.raises(ParseError) as caught:
        parse_answer(text, scale)
    assert caught.value.raw == text


@pytest.mark.parametrize(("text", "kind"), [
    ("", "empty"),
    ("  \n", "empty"),
    ("<think>\nThe date is", "unreadable"),
    ("Verdict: PASS if the fee is given.", "unreadable"),
    ("The date is a PASS but the fee is a FAIL.", "ambiguous"),
    ('{"verdict": "PASS", "passed": false}', "ambiguous"),
    ('{"score": 0.4}', "out_of_scale"),
])
def test_errors_say_why_and_keep_the_raw_text(text: str, kind: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_answer(text, PF)
    assert (caught.value.kind, caught.value.raw) == (kind, text)
    assert str(caught.value).startswith(f"{kind}: ")


def test_parse_error_kinds_are_checked() -> None:
    assert ParseError("x", raw="y").kind == "unreadable"
    with pytest.raises(ValueError, match="kind"):
        ParseError("x", raw="y", kind="unparseable")


@pytest.mark.parametrize(("text", "value"), [
    ("Pass/Fail: FAIL\nWrong year.", "fail"),
    ("Verdict: PASS would need the fee.\nNo fee.\nFinal verdict: FAIL", "fail"),
    ("1. The city is right.\n2. The figure is wrong.\nVerdict: FAIL", "fail"),
    ('{"pass": false, "score": 0.0}', "fail"),
    ("Yes, the reply is polite, but the window is wrong.\nFAIL", "fail"),
    ("<think>Verdict: PASS</think>\nFAIL", "fail"),
    ("NOT PASS", "fail"),
    ("结论：不通过", "fail"),
])
def test_the_opposite_verdict_is_never_read(text: str, value: str) -> None:
    assert parse_answer(text, PF).value == value


@pytest.mark.parametrize(("prompt", "asked"), [
    ("Is the response correct? Answer yes or no.", {"yes", "no"}),
    ('Reply "True" or "False".', {"true", "false"}),
    ("Output (1/0) only.", {"1", "0"}),
    ("Is the response correct and complete for the question?", set()),
    ("Answer PASS or FAIL.", set()),
    ("Say yes if it is right.", set()),
])
def test_asked_vocabulary(prompt: str, asked: set[str]) -> None:
    assert asked_vocabulary(prompt) == asked


def test_weak_words_count_only_when_asked_for_or_whole() -> None:
    text = "Yes, the response names the right year."
    with pytest.raises(ParseError):
        parse_answer(text, PF)
    assert parse_answer(text, PF, vocabulary={"yes", "no"}).value == "pass"
    assert parse_answer("Yes.", PF).value == "pass"
    with pytest.raises(ParseError):
        parse_answer("No problems found.", PF, vocabulary={"yes", "no"})


@pytest.mark.parametrize(("text", "value"), [
    ("Score: 4/5", 80.0),
    ("Score: 85/100", 85.0),
    ("7 out of 10", 70.0),
    ('{"verdict": "20"}', 20.0),
])
def test_scores_with_a_denominator_are_rescaled(text: str, value: float) -> None:
    assert parse_answer(text, ScoreConfig.parse("numeric:0:100:50")).value == value


@pytest.mark.parametrize("text", ["Score: 150", '{"verdict": 0.9}', "Score: 6/5", "Score: -1"])
def test_numbers_outside_the_scale_are_refused_never_clamped(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_answer(text, ScoreConfig.parse("numeric:0:100:50"))
    assert caught.value.kind == "out_of_scale"


def test_a_fraction_of_one_reads_on_a_zero_to_one_scale() -> None:
    assert parse_answer('{"verdict": 0.9}', ScoreConfig.parse("numeric:0:1")).value == 0.9


def test_the_kind_reaches_the_stored_verdict() -> None:
    spec = JudgeSpec(prompt="Case {question}", scale=PF, model="scripted/x")
    item = Item(inputs={"question": "q"}, output="o")
    model = ScriptedModel("constant:The date is a PASS but the fee is a FAIL.")
    verdict = asyncio.run(score_item(spec, item, model))
    assert (verdict.value, verdict.error_kind) == (None, "ambiguous")
    assert verdict.error is not None and verdict.error.startswith("ambiguous: ")
    assert verdict.raw == "The date is a PASS but the fee is a FAIL."


def test_the_prompt_vocabulary_reaches_the_reader() -> None:
    spec = JudgeSpec(prompt="Is {question} answered? Answer yes or no.", scale=PF)
    item = Item(inputs={"question": "q"}, output="o")
    verdict = asyncio.run(score_item(spec, item, ScriptedModel("constant:No, it is not.")))
    assert verdict.value == "fail"
