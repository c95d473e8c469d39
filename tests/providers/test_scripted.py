"""The scripted provider: deterministic answers for tests and demos."""

from __future__ import annotations

import asyncio

import pytest

from evalign.errors import ConfigError
from evalign.providers import GenerateRequest, GenerateResult, ScriptedModel, get_model


def ask(model: ScriptedModel, content: str = "q", choices: tuple[str, ...] | None = None,
        **context: object) -> GenerateResult:
    request = GenerateRequest(messages=[{"role": "user", "content": content}],
                              choices=choices, context=context)
    return asyncio.run(model.generate(request))


def test_field_answers_with_the_item_field() -> None:
    model = ScriptedModel("field:truth")
    result = ask(model, truth="FAIL", choices=("PASS", "FAIL"))
    assert result.text == "FAIL"
    assert result.choice_probs == {"PASS": 0.0, "FAIL": 1.0}
    assert model.calls == 1
    with pytest.raises(ConfigError, match="no field 'truth'"):
        ask(model, other="x")


def test_constant_and_token_counts() -> None:
    result = ask(ScriptedModel("constant:pass"), content="x" * 400, choices=("PASS", "FAIL"))
    assert result.text == "pass"
    assert result.choice_probs == {"PASS": 1.0, "FAIL": 0.0}
    assert result.prompt_tokens == 100


def test_an_answer_outside_the_choices_has_no_probs() -> None:
    result = ask(ScriptedModel("constant:maybe"), choices=("PASS", "FAIL"))
    assert result.choice_probs is None


def test_hash_is_deterministic_and_varies_with_the_prompt() -> None:
    model = get_model("scripted/hash")
    assert isinstance(model, ScriptedModel)
    answers = [ask(model, content=f"item {i}").text for i in range(40)]
    again = [ask(model, content=f"item {i}").text for i in range(40)]
    assert answers == again
    assert set(answers) == {"PASS", "FAIL"}


def test_callable_script() -> None:
    model = ScriptedModel(lambda request: request.messages[-1]["content"].upper())
    assert ask(model, content="fail").text == "FAIL"
    assert model.model == "scripted/<lambda>"
