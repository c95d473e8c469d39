"""The OpenAI-compatible provider against a local scripted HTTP server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from evalign.errors import (
    ConfigError,
    ContextLengthError,
    ProviderError,
    RateLimitError,
    TransientError,
)
from evalign.providers import GenerateRequest, get_model
from evalign.providers.http_errors import retry_after
from evalign.providers.openai import OpenAIModel
from tests.providers.fake_openai_server import FakeOpenAI, completion

KEY = "sk-test-SECRETSECRET123"
ASK = GenerateRequest(messages=[{"role": "user", "content": "Is it good?"}],
                      params={"temperature": 0, "max_tokens": 5})


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def model(server: FakeOpenAI, **options: Any) -> OpenAIModel:
    built = get_model("openai/judge-model", base_url=server.base_url, api_key=KEY, **options)
    assert isinstance(built, OpenAIModel)
    return built


def call(m: OpenAIModel, request: GenerateRequest = ASK) -> Any:
    async def go() -> Any:
        try:
            return await m.generate(request)
        finally:
            await m.aclose()
    return asyncio.run(go())


def test_answer_usage_and_request(server: FakeOpenAI) -> None:
    server.reply(200, completion("FAIL", usage={
        "prompt_tokens": 40, "completion_tokens": 1, "total_tokens": 41,
        "prompt_tokens_details": {"cached_tokens": 32}}))
    result = call(model(server))
    assert (result.text, result.prompt_tokens, result.completion_tokens) == ("FAIL", 40, 1)
    assert result.cached_prompt_tokens == 32
    assert result.choice_probs is None
    sent = server.requests[0]
    assert sent["model"] == "judge-model"
    assert sent["messages"] == ASK.messages
    assert sent["temperature"] == 0 and sent["max_tokens"] == 5
    assert server.headers[0]["authorization"] == f"Bearer {KEY}"


def test_429_maps_to_rate_limit_with_retry_after(server: FakeOpenAI) -> None:
    server.reply(429, {"error": {"message": "slow down"}}, headers={"Retry-After": "7"})
    with pytest.raises(RateLimitError) as info:
        call(model(server))
    assert info.value.retry_after == 7.0
    assert len(server.requests) == 1  # the SDK must not retry: the runner does


def test_500_maps_to_transient_without_retrying(server: FakeOpenAI) -> None:
    server.reply(500, {"error": {"message": "boom"}})
    with pytest.raises(TransientError):
        call(model(server))
    assert len(server.requests) == 1


def test_timeout_maps_to_transient(server: FakeOpenAI) -> None:
    server.reply(200, completion("PASS"), delay=2.0)
    with pytest.raises(TransientError, match=r"no answer within 0\.3 s"):
        call(model(server, timeout=0.3))


def test_connection_refused_maps_to_transient() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    m = get_model("openai/x", base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY)
    with pytest.raises(TransientError):
        call(m)  # type: ignore[arg-type]


def test_garbage_body_is_an_error_not_an_answer(server: FakeOpenAI) -> None:
    server.reply(200, b"<html>proxy error</html>", headers={"content-type": "text/html"})
    with pytest.raises(ProviderError):
        call(model(server))


def test_401_is_final_and_never_shows_the_key(server: FakeOpenAI) -> None:
    server.reply(401, {"error": {"message": f"Incorrect API key provided: {KEY}."}})
    m = model(server)
    with pytest.raises(ProviderError) as info:
        call(m)
    assert not isinstance(info.value, TransientError | RateLimitError)
    assert KEY not in str(info.value) and "SECRET" not in str(info.value)
    assert "Incorrect API key" in str(info.value)
    assert KEY not in repr(m) and KEY not in str(vars(m).get("model"))


def test_repr_hides_credentials_in_the_base_url() -> None:
    m = get_model("openai/m", base_url="https://bob:hunter2@llm.example/v1", api_key=KEY)
    assert "hunter2" not in repr(m) and KEY not in repr(m)
    assert "llm.example/v1" in repr(m)


def test_missing_key_without_base_url_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        get_model("openai/gpt-4o-mini")


def test_base_url_and_key_from_environment(server: FakeOpenAI,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    result = call(get_model("openai/m"))  # type: ignore[arg-type]
    assert result.text == "PASS"
    assert server.headers[0]["authorization"] == f"Bearer {KEY}"


def _top(token: str, logprob: float, top: dict[str, float]) -> dict[str, Any]:
    return {"token": token, "logprob": logprob, "bytes": None,
            "top_logprobs": [{"token": t, "logprob": lp, "bytes": None} for t, lp in top.items()]}


def test_logprobs_become_choice_probs(server: FakeOpenAI) -> None:
    # P(PASS)=0.6 split over "PASS" and " PASS", P(FAIL)=0.2, the rest elsewhere.
    import math
    first = _top("PASS", math.log(0.5), {"PASS": math.log(0.5), " PASS": math.log(0.1),
                                          "FAIL": math.log(0.2), "Maybe": math.log(0.2)})
    server.reply(200, completion("PASS", logprobs=[first]))
    request = GenerateRequest(messages=ASK.messages, choices=("PASS", "FAIL"))
    result = call(model(server), request)
    assert result.choice_probs == pytest.approx({"PASS": 0.75, "FAIL": 0.25})
    assert server.requests[0]["logprobs"] is True
    assert server.requests[0]["top_logprobs"] >= 5


def test_choice_probs_read_at_the_verdict_token(server: FakeOpenAI) -> None:
    import math
    tokens = [_top("Verdict", -0.01, {"Verdict": -0.01}), _top(":", -0.01, {":": -0.01}),
              _top(" FAIL", math.log(0.9), {" FAIL": math.log(0.9), " PASS": math.log(0.1)})]
    server.reply(200, completion("Verdict: FAIL", logprobs=tokens))
    request = GenerateRequest(messages=ASK.messages, choices=("PASS", "FAIL"))
    result = call(model(server), request)
    assert result.choice_probs == pytest.approx({"PASS": 0.1, "FAIL": 0.9})


def test_json_schema_sent_and_dropped_when_rejected(server: FakeOpenAI) -> None:
    schema = {"type": "object", "properties": {"verdict": {"enum": ["PASS", "FAIL"]}}}
    server.reply(400, {"error": {"message": "response_format json_schema not supported"}})
    server.reply(200, completion('{"verdict": "PASS"}'))
    server.reply(200, completion('{"verdict": "FAIL"}'))
    m = model(server)
    request = GenerateRequest(messages=ASK.messages, json_schema=schema)

    async def twice() -> list[str]:
        texts = [(await m.generate(request)).text, (await m.generate(request)).text]
        await m.aclose()
        return texts

    assert asyncio.run(twice()) == ['{"verdict": "PASS"}', '{"verdict": "FAIL"}']
    fmt = server.requests[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"] == schema
    # After one rejection the endpoint is known not to support it: not sent again.
    assert "response_format" not in server.requests[1]
    assert "response_format" not in server.requests[2]


def test_logprobs_dropped_when_rejected(server: FakeOpenAI) -> None:
    server.reply(400, {"error": {"message": "logprobs are not supported"}})
    server.reply(200, completion("PASS"))
    schema = {"type": "object"}
    request = GenerateRequest(messages=ASK.messages, choices=("PASS", "FAIL"),
                              json_schema=schema)
    result = call(model(server), request)
    assert result.text == "PASS" and result.choice_probs is None
    retried = server.requests[1]
    assert "logprobs" not in retried and "top_logprobs" not in retried
    assert "response_format" in retried  # only the named feature was dropped


def test_an_unrelated_400_keeps_features_on(server: FakeOpenAI) -> None:
    server.reply(400, {"error": {"message": "prompt is too long"}})
    server.reply(200, completion("{}"))
    m = model(server)
    request = GenerateRequest(messages=ASK.messages, json_schema={"type": "object"})

    async def twice() -> None:
        with pytest.raises(ContextLengthError, match="too long"):
            await m.generate(request)
        await m.generate(request)
        await m.aclose()

    asyncio.run(twice())
    assert len(server.requests) == 2  # a 400 that names no optional field is not asked twice
    assert "response_format" in server.requests[1]


def test_other_400_is_final(server: FakeOpenAI) -> None:
    server.reply(400, {"error": {"message": "context length exceeded"}})
    with pytest.raises(ContextLengthError, match="context length exceeded") as info:
        call(model(server))
    assert info.value.kind == "context_length"
    assert len(server.requests) == 1
    server.reply(400, {"error": {"message": "messages[0].role: invalid value 'robot'"}})
    with pytest.raises(ProviderError, match="robot") as other:
        call(model(server))
    assert type(other.value) is ProviderError
    assert len(server.requests) == 2


@pytest.mark.parametrize(("headers", "expected"), [
    ({"retry-after": "2.5"}, 2.5),
    ({"retry-after-ms": "1500"}, 1.5),
    ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
    ({"retry-after": "soon"}, None),
    ({}, None),
])
def test_retry_after_forms(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after(headers) == expected
