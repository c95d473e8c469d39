"""The Anthropic provider against a local scripted Messages endpoint."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from evalign.errors import ProviderError, RateLimitError, TransientError
from evalign.providers import GenerateRequest, GenerateResult, get_model
from tests.providers.fake_openai_server import FakeOpenAI

pytest.importorskip("anthropic", reason="the [anthropic] extra is not installed")
KEY = "sk-ant-SECRETSECRET42"
ASK = GenerateRequest(messages=[{"role": "system", "content": "Be strict."},
                                {"role": "user", "content": "Is it good?"}],
                      params={"temperature": 0, "max_tokens": 50})


def message(content: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x",
            "content": content, "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": 30, "output_tokens": 3, "cache_read_input_tokens": 20}}


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def call(server: FakeOpenAI, request: GenerateRequest = ASK) -> GenerateResult:
    model = get_model("anthropic/claude-x", base_url=server.base_url.removesuffix("/v1"),
                      api_key=KEY)

    async def go() -> GenerateResult:
        try:
            return await model.generate(request)
        finally:
            await model.aclose()
    return asyncio.run(go())


def test_text_answer_system_and_usage(server: FakeOpenAI) -> None:
    server.reply(200, message([{"type": "text", "text": "PASS"}]))
    result = call(server)
    assert (result.text, result.prompt_tokens, result.completion_tokens) == ("PASS", 30, 3)
    assert result.cached_prompt_tokens == 20 and result.choice_probs is None
    sent = server.requests[0]
    assert sent["system"] == "Be strict."
    assert sent["messages"] == [{"role": "user", "content": "Is it good?"}]
    assert sent["max_tokens"] == 50 and sent["temperature"] == 0
    assert any(KEY in value for value in server.headers[0].values())  # header name varies


def test_json_schema_through_a_forced_tool(server: FakeOpenAI) -> None:
    schema = {"type": "object", "properties": {"verdict": {"enum": ["PASS", "FAIL"]}}}
    server.reply(200, message([{"type": "tool_use", "id": "t1", "name": "answer",
                                "input": {"verdict": "FAIL"}}]))
    result = call(server, GenerateRequest(messages=ASK.messages, json_schema=schema))
    assert result.text == '{"verdict": "FAIL"}'
    sent = server.requests[0]
    assert sent["tools"][0]["input_schema"] == schema
    assert sent["tool_choice"] == {"type": "tool", "name": "answer"}


@pytest.mark.parametrize(("status", "error"), [
    (429, RateLimitError), (529, TransientError), (500, TransientError), (401, ProviderError),
])
def test_error_mapping_without_retries_or_key(server: FakeOpenAI, status: int,
                                              error: type[ProviderError]) -> None:
    body = {"type": "error", "error": {"type": "x", "message": f"bad key {KEY}"}}
    server.reply(status, body, headers={"retry-after": "3"})
    with pytest.raises(error) as info:
        call(server)
    assert type(info.value) is error
    assert KEY not in str(info.value)
    assert len(server.requests) == 1
    if status == 429:
        assert info.value.retry_after == 3.0  # type: ignore[attr-defined]


def test_refused_tool_falls_back_to_text_and_is_remembered(server: FakeOpenAI) -> None:
    schema = {"type": "object", "properties": {"verdict": {"enum": ["PASS", "FAIL"]}}}
    body = {"type": "error", "error": {"type": "invalid_request_error",
                                        "message": "tools are not supported by this server"}}
    server.reply(400, body)
    server.reply(200, message([{"type": "text", "text": '{"verdict": "PASS"}'}]))
    server.reply(200, message([{"type": "text", "text": '{"verdict": "FAIL"}'}]))
    model = get_model("anthropic/claude-x", base_url=server.base_url.removesuffix("/v1"),
                      api_key=KEY)
    request = GenerateRequest(messages=ASK.messages, json_schema=schema)

    async def twice() -> list[str]:
        try:
            return [(await model.generate(request)).text for _ in range(2)]
        finally:
            await model.aclose()

    assert asyncio.run(twice()) == ['{"verdict": "PASS"}', '{"verdict": "FAIL"}']
    assert ["tools" in sent for sent in server.requests] == [True, False, False]


def test_prompt_too_long_is_a_context_length_error(server: FakeOpenAI) -> None:
    body = {"type": "error", "error": {"type": "invalid_request_error",
                                        "message": "prompt is too long: 250000 tokens > 200000"}}
    server.reply(400, body)
    with pytest.raises(ProviderError) as info:
        call(server, GenerateRequest(messages=ASK.messages, json_schema={"type": "object"}))
    assert info.value.kind == "context_length"
    assert len(server.requests) == 1
