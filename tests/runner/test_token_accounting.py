"""Tokens and cost count what a run spent: answers an item reuses from the cache are not
charged again, even when the item's other questions go to the endpoint."""

from __future__ import annotations

import asyncio
from typing import Any

from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.providers import get_model
from evalign.runner import run_judge
from evalign.scores import ScoreConfig
from evalign.store import Store, repo_datasets
from evalign.store.repo_judges import create_judge
from tests.providers.fake_openai_server import FakeOpenAI

PAIRWISE = ScoreConfig(kind="pairwise")
USAGE = {"prompt_tokens": 11, "completion_tokens": 2}  # per call (the fake server's usage)


def _answer(body: dict[str, Any]) -> str:
    text = str(body["messages"][-1]["content"])
    return "Does the response help?" if text.startswith("Write at most") else "Yes"


def test_a_checklist_reused_by_another_pair_is_not_charged_again(sqlite_store: Store) -> None:
    # Two pairs answering one instruction: its checklist is written once, then reused.
    rows = [Row(Item({"input": "one task"}, f"answer {k}a", output_2=f"answer {k}b",
                     external_id=str(k)), (LabelIn("preference", PAIRWISE.parse_value("1")),),
                k + 1) for k in range(2)]
    with sqlite_store.session() as s:
        repo_datasets.write_dataset(s, "pairs", rows, repo_datasets.Criteria(s, PAIRWISE))
        create_judge(s, "pw", JudgeSpec(kind="decomposed", scale=PAIRWISE, model="openai/m",
                                        checks={"instruction_checklist": True}))
    with FakeOpenAI() as server:
        server.answer = _answer
        provider = get_model("openai/m", base_url=server.base_url, api_key="sk-test-12345678")
        try:
            summary = run_judge(sqlite_store, "pw", "pairs", provider=provider, concurrency=1)
        finally:
            asyncio.run(provider.aclose())
        calls = len(server.requests)
    assert calls == 1 + 2 * 2  # one checklist, one question asked of each output of each pair
    assert summary.calls == calls and summary.cached == 0
    assert (summary.prompt_tokens, summary.completion_tokens) == (
        USAGE["prompt_tokens"] * calls, USAGE["completion_tokens"] * calls)
