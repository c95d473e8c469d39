"""C20: tokens and dollars with a retry, a re-ask, the cache and an unpriced model."""

from __future__ import annotations

from collections.abc import Callable

from tests.field_cases.harness import FieldCase


def test_cost_counts_every_billed_call_and_unknown_is_not_zero(
        field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C20-cost-accounting")
    case.env["EVALIGN_PRICES"] = case.path("prices.yaml")
    with case.mock() as mock:
        case.ok("import", case.path("data.csv"), "--dataset", "d")
        case.ok("judge", "create", "j", "--prompt-file", case.path("prompt.txt"),
                "--model", "openai/priced", "--dataset", "d")
        case.ok("run", "j", "--dataset", "d")
        first = case.json("runs", "show", "1", "--json")["run"]
        billed = sum(1 for r in mock.requests() if r["status"] == 200)
        again = case.ok("run", "j", "--dataset", "d")
        billed_again = sum(1 for r in mock.requests() if r["status"] == 200)
        case.ok("run", "j", "--dataset", "d", "--model", "openai/unpriced", "--no-cache")
    assert billed == 6  # 5 items, K5's unreadable first answer re-asked
    # Run 1: 6 billed calls of 1000 + 10 tokens at $1 / $2 per million: $0.00612.
    assert (first["prompt_tokens"], first["completion_tokens"]) == (6000, 60), first
    assert first["cost_usd"] is not None and abs(first["cost_usd"] - 0.00612) < 1e-9, first
    # Run 2: all cached, no call, $0, and it says so.
    runs = {r["run"]: r for r in case.json("runs", "list", "--json")}
    assert billed_again == billed and runs[2]["calls"] == 0, runs[2]
    assert runs[2]["cost_usd"] == 0 and runs[2]["cached"] == 5, runs[2]
    assert "cached" in again.text.lower(), str(again)
    # Run 3: an unpriced model's cost is unknown, not $0.
    assert runs[3]["cost_usd"] is None, runs[3]
