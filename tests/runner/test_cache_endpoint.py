"""The answer cache keys on the endpoint and the sample; a cached run says where and when from."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.providers import GenerateRequest, get_model
from evalign.providers.scripted import ScriptedModel
from evalign.runner import run_judge
from evalign.runner.cache import cache_key
from evalign.store import Store
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_writes import write_dataset
from tests.providers.fake_openai_server import FakeOpenAI
from tests.runner.helpers import add_evalsbench, add_judge, verdicts_with_labels


@pytest.fixture
def servers() -> Iterator[tuple[FakeOpenAI, FakeOpenAI]]:
    with FakeOpenAI() as a, FakeOpenAI() as b:
        a.answer = lambda _body: '{"reasoning": "ok", "verdict": "PASS"}'
        b.answer = lambda _body: '{"reasoning": "no", "verdict": "FAIL"}'
        yield a, b


def _run(store: Store, server: FakeOpenAI, **options: Any) -> Any:
    provider = get_model("openai/judge-m", base_url=server.base_url, api_key="sk-test-12345678")
    return run_judge(store, "j", "eb", provider=provider, **options)


def test_same_model_name_at_another_endpoint_is_asked_again(
        store: Store, shared_datasets: Path, servers: tuple[FakeOpenAI, FakeOpenAI]) -> None:
    a, b = servers
    add_evalsbench(store, shared_datasets, limit=4)
    add_judge(store, "j", "openai/judge-m")
    first = _run(store, a)
    assert (first.calls, first.cached, first.endpoint) == (4, 0, a.base_url)
    other = _run(store, b)  # same judge, same model name, another server
    assert (other.calls, other.cached) == (4, 0)
    assert {v for v, _ in verdicts_with_labels(store, other.run)} == {"fail"}
    again = _run(store, b)
    assert (again.calls, again.cached, again.endpoint) == (0, 4, b.base_url)
    assert {v for v, _ in verdicts_with_labels(store, again.run)} == {"fail"}
    assert again.cached_from is not None
    oldest, newest = (datetime.fromisoformat(t) for t in again.cached_from)
    assert oldest <= newest and again.to_dict()["cached_from"]["newest"] == again.cached_from[1]
    assert len(a.requests) == 4 and len(b.requests) == 4


def test_repeat_really_asks_each_sample(store: Store, shared_datasets: Path,
                                        servers: tuple[FakeOpenAI, FakeOpenAI]) -> None:
    a, _ = servers
    calls = count()
    words = ["PASS", "FAIL", "PASS"]
    a.answer = lambda _body: words[next(calls) % 3]
    add_evalsbench(store, shared_datasets, limit=4)
    add_judge(store, "j", "openai/judge-t", params={"temperature": 0.8})
    summary = _run(store, a, repeat=3, concurrency=1)
    assert (summary.verdicts, summary.calls, len(a.requests)) == (12, 12, 12)
    assert summary.mean_flip_rate == pytest.approx(1 / 3)
    again = _run(store, a, repeat=3)  # each sample replays its own answer, not sample 0's
    assert (again.calls, again.cached, again.mean_flip_rate) == (0, 12, summary.mean_flip_rate)


def test_cache_key_parts() -> None:
    request = GenerateRequest(messages=[{"role": "user", "content": "x"}])
    base = cache_key("openai/m", request, endpoint="http://a/v1")
    assert base != cache_key("openai/m", request, endpoint="http://b/v1")
    assert base != cache_key("openai/m", request, endpoint="http://a/v1", sample=1)
    assert base == cache_key("openai/m", request, endpoint="http://a/v1", sample=0)
    keyed = GenerateRequest(messages=request.messages, choices=("PASS", "FAIL"),
                            choices_key="verdict")
    assert cache_key("openai/m", keyed) != cache_key(
        "openai/m", GenerateRequest(messages=request.messages, choices=("PASS", "FAIL")))


def test_scripted_field_answers_are_cached_per_field_value(store: Store) -> None:
    records = [Row(Item(inputs={"question": "Same?", "truth": truth}, output="same answer",
                        external_id=f"r{i}"), (LabelIn("default", truth.lower()),))
               for i, truth in enumerate(["PASS", "FAIL", "FAIL", "PASS"])]
    with store.session() as session:
        write_dataset(session, "same", records, Criteria(session))
    add_judge(store, "j", "scripted/field:truth", prompt="Q: {question}\nA: {response}")
    first = run_judge(store, "j", "same")
    again = run_judge(store, "j", "same")  # every prompt is the same; the truths are not
    assert (first.calls, again.calls, again.cached) == (4, 0, 4)
    for summary in (first, again):
        pairs = verdicts_with_labels(store, summary.run)
        assert sorted(pairs) == [("fail", "fail")] * 2 + [("pass", "pass")] * 2


def test_scripted_cache_extra() -> None:
    request = GenerateRequest(messages=[{"role": "user", "content": "x"}],
                              context={"truth": "PASS", "other": 1})
    assert ScriptedModel("field:truth").cache_extra(request) == '{"truth": "PASS"}'
    assert ScriptedModel("constant:PASS").cache_extra(request) is None
    assert ScriptedModel("hash").cache_extra(request) is None
    everything = ScriptedModel(lambda r: str(r.context["other"])).cache_extra(request)
    assert everything == '{"other": 1, "truth": "PASS"}'
    assert cache_key("scripted/field:truth", request, extra="a") != cache_key(
        "scripted/field:truth", request, extra="b")
