"""An unpriced model is never counted as free: the run's cost is unknown, and a cost budget
that cannot be tracked is refused up front or stops the run, naming the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evalign.align import AlignConfig, execute_alignment, start_alignment
from evalign.align.guards import Budget, BudgetExceeded
from evalign.errors import ConfigError
from evalign.store import Store, open_store
from evalign.store.repo_alignment_runs import alignment_run_ids
from tests.align.helpers import Recorder, as_dict, seed_store

UNPRICED = "openai/whatever"


class Unpriced(Recorder):
    """The scripted check-answering model under a hosted model string with no price."""

    def __init__(self) -> None:
        super().__init__()
        self.model = UNPRICED


@pytest.fixture(autouse=True)
def _builtin_prices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in price table only, whatever the user's own price file says."""
    empty = tmp_path / "prices.yaml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("EVALIGN_PRICES", str(empty))


def test_a_call_of_unknown_cost_makes_the_cost_unknown_not_zero() -> None:
    budget = Budget()
    budget.charge("tuning the threshold", 3, 30, 3, 0.002, model="openai/gpt-4o-mini")
    assert budget.cost_usd == 0.002 and budget.unknown_calls == 0
    budget.charge("tuning the threshold", 2, 20, 2, None, model=UNPRICED)
    budget.charge("verifying", 0, 0, 0, None, model=UNPRICED)  # all from the cache: nothing
    assert budget.cost_usd is None and budget.unknown_calls == 2
    assert budget.unpriced == {UNPRICED: 2}
    rows = budget.phase_rows()
    assert rows["tuning the threshold"]["cost_usd"] is None
    assert rows["tuning the threshold"]["cost_unknown_calls"] == 2
    assert rows["verifying"]["cost_usd"] == 0.0


def test_a_cost_budget_stops_at_the_first_call_it_cannot_price() -> None:
    budget = Budget(max_usd=1.0)
    budget.charge("tuning the threshold", 1, 10, 1, 0.0001, model="openai/gpt-4o-mini")
    with pytest.raises(BudgetExceeded, match=r"cost budget of \$1\.00 cannot be tracked: cost "
                       r"unknown for 4 calls \(4 to 'openai/whatever'"):
        budget.charge("tuning the threshold", 4, 10, 1, None, model=UNPRICED)
    calls = Budget(max_calls=2)  # the call budget still works, unpriced or not
    calls.charge("distilling guidelines", 2, usd=None, model=UNPRICED)
    with pytest.raises(BudgetExceeded, match="call budget of 2 reached"):
        calls.charge("distilling guidelines", 1, usd=None, model=UNPRICED)


def test_a_cost_budget_with_an_unpriced_judge_model_is_refused_up_front(
        sqlite_store: Store) -> None:
    seed_store(sqlite_store)
    config = AlignConfig(dataset="bench", group_by="question", strategies=("threshold",),
                         judge_model=UNPRICED, budget_usd=5.0)
    with pytest.raises(ConfigError) as caught:
        start_alignment(sqlite_store, "gn", config)
    message = str(caught.value)
    assert "--budget-usd 5 cannot be tracked: cost unknown for the judge model " \
           "'openai/whatever'" in message, message
    assert "--budget-calls" in message and "EVALIGN_PRICES" in message
    with sqlite_store.session() as s:
        assert alignment_run_ids(s, judge="gn") == []  # nothing was created
    # Without a cost budget the same run starts; a priced judge model may have one.
    start_alignment(sqlite_store, "gn", config.model_copy(update={"budget_usd": None}))
    start_alignment(sqlite_store, "gn", config.model_copy(
        update={"judge_model": "openai/gpt-4o-mini"}))


def test_the_reflection_model_is_priced_only_for_strategies_that_ask_it(
        sqlite_store: Store) -> None:
    seed_store(sqlite_store)
    config = AlignConfig(dataset="bench", group_by="question", strategies=("guidelines",),
                         reflection_model=UNPRICED, budget_usd=5.0)
    with pytest.raises(ConfigError, match="reflection model 'openai/whatever'"):
        start_alignment(sqlite_store, "gn", config)
    start_alignment(sqlite_store, "gn", config.model_copy(update={"strategies": ("threshold",)}))


def test_an_unpriced_judge_leaves_the_outcome_cost_unknown(sqlite_store: Store) -> None:
    seed_store(sqlite_store)
    run_id = start_alignment(sqlite_store, "gn", AlignConfig(
        dataset="bench", group_by="question", strategies=("threshold",)))
    done = execute_alignment(sqlite_store, run_id, models={"judge": Unpriced()})
    assert done.status == "aligned", done.error
    out = as_dict(done.outcome)
    assert out["calls"] > 0
    assert out["cost_usd"] is None  # was 0.0: an unpriced model counted as free
    assert out["cost_unknown_calls"] == out["calls"]
    assert all(row["cost_usd"] is None for row in out["per_phase"].values() if row["calls"])


def test_a_cost_budget_found_untrackable_mid_run_stops_it_with_a_note(
        sqlite_store: Store) -> None:
    seed_store(sqlite_store)
    # The stored judge's model is scripted (free), so the run starts; the model actually
    # called has no price, which only the calls reveal.
    run_id = start_alignment(sqlite_store, "gn", AlignConfig(
        dataset="bench", group_by="question", strategies=("threshold",), budget_usd=5.0))
    done = execute_alignment(sqlite_store, run_id, models={"judge": Unpriced()})
    assert done.status == "aligned", done.error
    out = as_dict(done.outcome)
    assert out["cost_usd"] is None and out["cost_unknown_calls"] > 0
    assert out["strategy"] == "base"
    assert any("cannot be tracked" in n and "'openai/whatever'" in n for n in out["notes"]), \
        out["notes"]


def _learning(judge: Recorder, **budget: float | None) -> dict[str, dict[str, Any]]:
    """Per phase spending of a `decompose` run under `budget` (`budget_calls`/`budget_usd`)
    outside the (always completed) test scoring, on a fresh store (no cached answer)."""
    store = open_store(":memory:")
    seed_store(store)
    config = AlignConfig(dataset="bench", group_by="question", strategies=("decompose",),
                         **budget)
    run_id = start_alignment(store, "gn", config)
    outcome = as_dict(execute_alignment(store, run_id, models={
        "judge": judge, "reflection": type(judge)()}).outcome)
    return {phase: row for phase, row in outcome["per_phase"].items() if phase != "verifying"}


def _learning_calls(budget: int | None) -> int:
    """Model calls of a `decompose` run outside the test scoring."""
    return sum(int(row["calls"]) for row in _learning(Recorder(), budget_calls=budget).values())


def test_batches_shrink_near_a_call_budget() -> None:
    unbounded = _learning_calls(None)
    # A decomposed judge asks several questions per item (here 7 on average: 3 or 4 checks,
    # each also asked of a content-free response): whole batches of 8 items ran far past the budget
    # (136 calls for 30, then 383 for 60 on a 32-way endpoint). Its first batch is now one
    # item, and the next ones what the calls left pay for: at most one item's calls past it.
    for budget in (30, 60):
        bounded = _learning_calls(budget)
        assert budget < bounded <= budget + 8 < unbounded, (budget, bounded, unbounded)


class Priced(Recorder):
    """The scripted check-answering model under a model string with a built-in price."""

    def __init__(self) -> None:
        super().__init__()
        self.model = "openai/gpt-4o-mini"


def _learning_usd(budget: float | None) -> float:
    """Dollars a `decompose` run spent outside the test scoring."""
    return sum(float(row["cost_usd"])
               for row in _learning(Priced(), budget_usd=budget).values())


def test_batches_shrink_near_a_cost_budget() -> None:
    unbounded = _learning_usd(None)
    # Batches used to shrink for a call budget only: a cost budget was passed by whole
    # batches (the tester's mock run spent $0.42 of $0.15). Now by about one item's cost
    # (here some $0.0001: seven short calls).
    for budget in (0.001, 0.0015):
        spent = _learning_usd(budget)
        assert budget < spent <= budget + 0.0001 < unbounded, (budget, spent, unbounded)
