"""The LiteLLM provider with a stand-in `litellm` module: structured output and its fallback."""

from __future__ import annotations

import asyncio
import sys
import types
from typing import Any

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletion

from evalign.errors import ContextLengthError
from evalign.providers import GenerateRequest
from evalign.providers.base import endpoint_of
from evalign.providers.litellm import LiteLLMModel
from tests.providers.fake_openai_server import completion

SCHEMA = {"type": "object", "properties": {"verdict": {"enum": ["PASS", "FAIL"]}}}
ASK = GenerateRequest(messages=[{"role": "user", "content": "Is it good?"}], json_schema=SCHEMA)


def _bad_request(message: str) -> openai.BadRequestError:
    response = httpx.Response(400, request=httpx.Request("POST", "http://route.test/v1"))
    return openai.BadRequestError(message, response=response, body=None)


class FakeLiteLLM(types.ModuleType):
    """`litellm.acompletion` that refuses the fields in `refuse` and records every call."""

    def __init__(self, refuse: set[str], error: str | None = None):
        super().__init__("litellm")
        self.refuse, self.error = refuse, error
        self.calls: list[dict[str, Any]] = []

    async def acompletion(self, **kwargs: Any) -> ChatCompletion:
        self.calls.append(kwargs)
        if self.error is not None:
            raise _bad_request(self.error)
        refused = sorted(self.refuse & set(kwargs))
        if refused:
            raise _bad_request(f"litellm.UnsupportedParamsError: route does not support "
                               f"parameters: {refused}")
        return ChatCompletion.model_validate(completion('{"verdict": "PASS"}'))


def _ask(monkeypatch: pytest.MonkeyPatch, fake: FakeLiteLLM, times: int) -> list[str]:
    monkeypatch.setitem(sys.modules, "litellm", fake)
    model = LiteLLMModel("groq/llama3-8b", api_base="http://route.test/v1")
    assert endpoint_of(model) == "http://route.test/v1"

    async def go() -> list[str]:
        return [(await model.generate(ASK)).text for _ in range(times)]
    return asyncio.run(go())


def test_refused_response_format_is_dropped_and_remembered(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLiteLLM(refuse={"response_format"})
    assert _ask(monkeypatch, fake, 2) == ['{"verdict": "PASS"}'] * 2
    assert ["response_format" in call for call in fake.calls] == [True, False, False]
    assert fake.calls[0]["response_format"]["json_schema"]["schema"] == SCHEMA
    assert all(call["messages"] == ASK.messages for call in fake.calls)


def test_an_unrelated_400_is_mapped_and_not_asked_twice(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLiteLLM(refuse=set(), error="This model's maximum context length is 8192 tokens")
    with pytest.raises(ContextLengthError):
        _ask(monkeypatch, fake, 1)
    assert len(fake.calls) == 1
