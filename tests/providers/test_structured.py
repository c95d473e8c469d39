"""Structured output: the JSON verdict with reasoning first, its fallback, and p_pass after it."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Iterator
from typing import Any

import pytest

from evalign.items import Item
from evalign.judges.prompt import build_request, uses_structured_output, verdict_schema
from evalign.judges.spec import JudgeSpec
from evalign.providers import GenerateRequest, ScriptedModel, get_model
from evalign.providers.base import endpoint_of
from evalign.providers.choices import ValueSpot, value_position
from evalign.providers.openai import OpenAIModel
from evalign.scores import ScoreConfig
from tests.providers.fake_openai_server import FakeOpenAI, completion

ITEM = Item(inputs={"question": "2+2?"}, output="4")
PROMPT = "Question: {question}\nResponse: {output}"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def _openai(server: FakeOpenAI) -> OpenAIModel:
    built = get_model("openai/judge", base_url=server.base_url, api_key="sk-test-123456789")
    assert isinstance(built, OpenAIModel)
    return built


def _ask_all(m: Any, requests: list[GenerateRequest]) -> list[Any]:
    async def go() -> list[Any]:
        try:
            return [await m.generate(r) for r in requests]
        finally:
            await m.aclose()
    return asyncio.run(go())


@pytest.mark.parametrize("scale", ["pass_fail", "thumbs", "stars", "numeric:0:10",
                                   "categorical:bad,ok,good", "pairwise"])
def test_every_scale_asks_for_reasoning_before_the_verdict(scale: str) -> None:
    spec = JudgeSpec(prompt=PROMPT, scale=ScoreConfig.parse(scale))
    request = build_request(spec, Item(inputs={"question": "q"}, output="a", output_2="b"))
    assert request.json_schema is not None
    assert list(request.json_schema["properties"]) == ["reasoning", "verdict"]
    system = request.messages[0]["content"]
    assert system.index('"reasoning"') < system.index('"verdict"')
    pass_fail = scale in ("pass_fail", "thumbs")
    assert request.choices == (("PASS", "FAIL") if pass_fail else None)
    assert request.choices_key == ("verdict" if pass_fail else None)


def test_pass_fail_schema_is_an_enum() -> None:
    verdict = verdict_schema(ScoreConfig.parse("pass_fail"))["properties"]["verdict"]
    assert verdict == {"type": "string", "enum": ["PASS", "FAIL"]}


def test_structured_output_can_be_turned_off_per_judge() -> None:
    spec = JudgeSpec(prompt=PROMPT, params={"structured_output": False, "temperature": 0.3})
    request = build_request(spec, ITEM)
    assert not uses_structured_output(spec)
    assert request.json_schema is None and request.choices_key is None
    assert "structured_output" not in request.params  # a judge setting, never sent
    assert request.params["temperature"] == 0.3
    assert "first line is exactly PASS or FAIL" in request.messages[0]["content"]


def test_few_shot_examples_answer_in_the_asked_format() -> None:
    shot = [{"fields": {"question": "1+1?", "output": "2"}, "label": "up", "reasoning": "right"}]
    spec = JudgeSpec(prompt=PROMPT, scale=ScoreConfig.parse("thumbs"), few_shot=shot)
    system = build_request(spec, ITEM).messages[0]["content"]
    assert 'Expected answer: {"reasoning": "right", "verdict": "PASS"}' in system


def test_value_spot_skips_the_reasoning() -> None:
    tokens = ['{"', "reasoning", '":', ' "', "PASS", " would", ' need \\"verdict\\": x', '",',
              ' "', "verdict", '":', ' "', "FAIL", '"}']
    assert value_position(tokens, "verdict") == 12
    merged = ValueSpot("verdict")
    assert [merged.feed(t) for t in ['{"verdict":', ' "PASS', '"}']] == [False, True, False]
    assert value_position(["PASS"], "verdict") is None


def _top(token: str, top: dict[str, float]) -> dict[str, Any]:
    return {"token": token, "logprob": top.get(token, -5.0), "bytes": None,
            "top_logprobs": [{"token": t, "logprob": lp, "bytes": None} for t, lp in top.items()]}


def test_p_pass_is_read_at_the_verdict_after_the_reasoning(server: FakeOpenAI) -> None:
    text = '{"reasoning": "PASS is tempting but it is wrong", "verdict": "FAIL"}'
    pieces = ['{"', "reasoning", '":', ' "', "PASS", " is tempting but it is wrong", '",',
              ' "', "verdict", '":', ' "', "FAIL", '"}']
    logprobs = [_top(p, {p: -0.01}) for p in pieces]
    logprobs[4] = _top("PASS", {"PASS": math.log(0.99), "FAIL": math.log(0.01)})
    logprobs[11] = _top("FAIL", {"FAIL": math.log(0.8), "PASS": math.log(0.2)})
    server.reply(200, completion(text, logprobs=logprobs))
    spec = JudgeSpec(prompt=PROMPT)
    [result] = _ask_all(_openai(server), [build_request(spec, ITEM)])
    assert result.choice_probs == pytest.approx({"PASS": 0.2, "FAIL": 0.8})
    sent = server.requests[0]
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert list(sent["response_format"]["json_schema"]["schema"]["properties"]) == [
        "reasoning", "verdict"]


def test_refused_structured_output_falls_back_and_is_remembered(server: FakeOpenAI) -> None:
    server.refuse = {"response_format"}
    server.answer = lambda body: '{"reasoning": "fine", "verdict": "PASS"}'
    request = build_request(JudgeSpec(prompt=PROMPT), ITEM)
    m = _openai(server)
    results = _ask_all(m, [request, request, request])
    assert [r.text for r in results] == ['{"reasoning": "fine", "verdict": "PASS"}'] * 3
    sent = ["response_format" in body for body in server.requests]
    assert sent == [True, False, False, False]  # refused once, asked plain, then never again
    assert all(body.get("logprobs") for body in server.requests)  # only the refused field
    # Another endpoint object (another run, another model) asks again.
    _ask_all(_openai(server), [request])
    assert "response_format" in server.requests[4]


def test_endpoint_identity() -> None:
    a = get_model("openai/m", base_url="http://u:secret@a.example/v1", api_key="k")
    b = get_model("openai/m", base_url="http://b.example/v1", api_key="k")
    assert endpoint_of(a) == "http://***@a.example/v1" and endpoint_of(b) != endpoint_of(a)
    assert endpoint_of(ScriptedModel("constant:PASS")) == "scripted:constant:PASS"
    assert endpoint_of(get_model("local/qwen2.5-coder-0.5b")).startswith("sha256:1d961463")


def test_scripted_json_answer_gives_choice_probs() -> None:
    request = GenerateRequest(messages=[{"role": "user", "content": "x"}],
                              choices=("PASS", "FAIL"), choices_key="verdict")
    answer = json.dumps({"reasoning": "PASS would be wrong", "verdict": "FAIL"})
    [result] = _ask_all(ScriptedModel(lambda _r: answer), [request])
    assert result.choice_probs == {"PASS": 0.0, "FAIL": 1.0}
