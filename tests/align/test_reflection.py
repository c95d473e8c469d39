"""Reflection calls go through the runner's model wrapper and are charged to the run's budget."""

from __future__ import annotations

import pytest

from evalign.align import AlignConfig, execute_alignment, start_alignment
from evalign.align.strategies.registry import STRATEGIES, parse_strategies, phases_for
from evalign.errors import ConfigError, RateLimitError
from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.providers.pricing import cost_usd
from evalign.store import Store
from tests.align.helpers import Recorder, as_dict, seed_store


class RefusesOnce(Recorder):
    """A priced reflection model that answers 429 to its first call, then answers."""

    def __init__(self) -> None:
        super().__init__()
        self.model = "openai/gpt-4o-mini"
        self.refused = 0

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        if not self.refused:
            self.refused += 1
            raise RateLimitError("429 Too Many Requests", retry_after=0)
        result: GenerateResult = await super().generate(request)
        return result


def test_one_429_from_reflection_is_retried_and_its_spending_counted(store: Store) -> None:
    seed_store(store)
    config = AlignConfig(dataset="bench", group_by="question", strategies=("guidelines",),
                         rounds=2, budget_usd=50.0)
    run_id = start_alignment(store, "gn", config)
    reflection = RefusesOnce()
    done = execute_alignment(store, run_id, models={"judge": Recorder(),
                                                    "reflection": reflection})
    assert done.status == "aligned", done.error
    assert reflection.refused == 1 and len(reflection.requests) == 2  # 2 rounds answered
    out = as_dict(done.outcome)
    row = out["per_phase"]["distilling guidelines"]
    # The judge model is unpriced: every dollar of the phase is the reflection model's.
    prompt = sum(max(1, sum(len(str(m["content"])) for m in r.messages) // 4)
                 for r in reflection.requests)
    assert row["calls"] >= 3  # the refused call counts as a call made, beside the judge's
    assert row["prompt_tokens"] >= prompt
    assert row["cost_usd"] > 0 and out["cost_usd"] == pytest.approx(row["cost_usd"], abs=1e-6)
    assert row["cost_usd"] >= (cost_usd(reflection.model, prompt, 2) or 0.0)
    assert list(done.phases) == ["loading annotations", "building disagreement traces",
                                 "distilling guidelines", "verifying", "finalizing"]


def test_strategy_names_come_from_the_registry() -> None:
    assert parse_strategies("decompose, threshold") == ("threshold", "decompose")
    with pytest.raises(ConfigError,
                       match="strategies: unknown 'nope'; choose from " + ",".join(STRATEGIES)):
        parse_strategies("guidelines,nope")
    with pytest.raises(ConfigError, match="choose from"):
        AlignConfig(dataset="d", strategies=("guidelines", "nope"))
    assert phases_for(("threshold",), folds=3) == [
        "loading annotations", "building disagreement traces", "tuning the threshold",
        "verifying", "refitting on all non-test items", "finalizing"]
