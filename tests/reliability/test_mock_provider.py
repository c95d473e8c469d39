"""The mock provider itself: deterministic verdicts, enforced limits, counted faults."""

from __future__ import annotations

import asyncio
import json

import httpx
import openai
import pytest
from bench.mock_provider import MockConfig, MockProvider, expected, expected_for_key

_CLIENT = httpx.Client(timeout=10)


def _ask(url: str, key: str, **extra: object) -> httpx.Response:
    body = {"model": "mock", "messages": [{"role": "user", "content": f"judge [item:{key}]"}]}
    return _CLIENT.post(f"{url}/chat/completions", json={**body, **extra})


def test_verdicts_are_a_function_of_the_request() -> None:
    with MockProvider() as mock:
        client = openai.OpenAI(base_url=mock.url, api_key="x", max_retries=0)
        for key in ("a", "b", "c", "d"):
            answer = client.chat.completions.create(
                model="mock", messages=[{"role": "user", "content": f"x [item:{key}] y"}])
            assert answer.choices[0].message.content == expected_for_key(key)
            assert answer.usage is not None and answer.usage.prompt_tokens > 0
        assert expected("no marker here") == expected("no marker here")
        assert mock.stats()["calls_per_key"] == {"a": 1, "b": 1, "c": 1, "d": 1}


def test_logprobs_favour_the_intended_verdict() -> None:
    with MockProvider() as mock:
        body = _ask(mock.url, "k1", logprobs=True, top_logprobs=5).json()
        first = body["choices"][0]["logprobs"]["content"][0]
        top = {t["token"]: t["logprob"] for t in first["top_logprobs"]}
        intended = expected_for_key("k1")
        other = "FAIL" if intended == "PASS" else "PASS"
        assert top[intended] > top[other]


def test_structured_output_follows_the_schema() -> None:
    schema = {"type": "object", "properties": {
        "value": {"type": "string", "enum": ["pass", "fail"]}, "reason": {"type": "string"}},
        "required": ["value", "reason"]}
    with MockProvider() as mock:
        fmt = {"type": "json_schema", "json_schema": {"name": "v", "schema": schema}}
        body = _ask(mock.url, "s1", response_format=fmt).json()
        answer = json.loads(body["choices"][0]["message"]["content"])
        assert answer["value"] == expected_for_key("s1").lower()
        tools = [{"type": "function", "function": {"name": "v", "parameters": schema}}]
        body = _ask(mock.url, "s2", tools=tools).json()
        call = body["choices"][0]["message"]["tool_calls"][0]["function"]
        assert json.loads(call["arguments"])["value"] == expected_for_key("s2").lower()


def test_limits_answer_429_with_retry_after() -> None:
    async def burst(url: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=10) as client:
            body = {"messages": [{"role": "user", "content": "[item:z]"}]}
            return list(await asyncio.gather(
                *[client.post(f"{url}/chat/completions", json=body) for _ in range(10)]))

    with MockProvider(MockConfig(latency_ms=200, max_in_flight=3)) as mock:
        codes = [r.status_code for r in asyncio.run(burst(mock.url))]
        assert codes.count(200) == 3 and codes.count(429) == 7
        assert mock.stats()["peak_in_flight"] == 3
    with MockProvider(MockConfig(rpm=60, burst=2)) as mock:
        answers = [_ask(mock.url, f"r{i}") for i in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert float(answers[2].headers["retry-after-ms"]) > 0
        assert mock.stats()["rejected_rpm"] == 1


def test_faults_are_injected_counted_and_reproducible() -> None:
    config = dict(error_500=0.2, garbage=0.2, drop=0.1, schema=0.1, hang=0.0)
    seen = []
    for _ in range(2):
        with MockProvider(MockConfig(**config)) as mock:  # type: ignore[arg-type]
            outcomes: list[int | str] = []
            for i in range(60):
                try:
                    outcomes.append(_ask(mock.url, f"f{i}").status_code)
                except httpx.HTTPError as exc:
                    outcomes.append(type(exc).__name__)
            faults = mock.stats()["faults"]
        seen.append((outcomes, faults))
        assert sum(faults.values()) == 60 - mock.stats()["answered"]
        assert outcomes.count(500) == faults["error_500"]
    assert seen[0] == seen[1]


def test_bounded_and_self_stopping() -> None:
    with MockProvider(MockConfig(max_requests=2)) as mock:
        codes = [_ask(mock.url, f"b{i}").status_code for i in range(3)]
        assert codes == [200, 200, 503]
    mock = MockProvider(MockConfig(max_lifetime_s=0.3)).start()
    assert mock._thread is not None
    mock._thread.join(5)
    assert not mock._thread.is_alive()
    with pytest.raises(httpx.HTTPError):
        _ask(mock.url, "gone")
