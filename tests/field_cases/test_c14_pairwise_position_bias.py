"""C14: a pairwise judge that always prefers the first answer shown."""

from __future__ import annotations

from collections.abc import Callable

from tests.field_cases.harness import FieldCase


def test_position_bias_is_ties_and_disagreements(field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C14-pairwise-position-bias")
    with case.mock() as mock:
        case.ok("import", case.path("pairwise.jsonl"), "--dataset", "p")
        case.ok("judge", "create", "j", "--prompt-file", case.path("prompt.txt"),
                "--model", "openai/whatever", "--scale", "pairwise", "--dataset", "p")
        case.ok("run", "j", "--dataset", "p")
        calls = len(mock.requests())
    assert calls == 12  # both orders of each of the 6 items
    shown = case.json("runs", "show", "1", "--json")
    values = {v["item"]: v["value"] for v in shown["items"]}
    # K1–K4 and K6 are order-inconsistent: ties; K5 is a consistent 1.
    assert values == {"K1": 0, "K2": 0, "K3": 0, "K4": 0, "K5": 1, "K6": 0}
    report = case.json("report", "1", "--format", "json")
    # A tie against a human 1 or 2 is a disagreement: only K5 (1) and K6 (tie) agree.
    assert (report["comparisons"], report["misaligned"]) == (6, 4)
    assert report["agreement"] == 2 / 6
    assert (report["bias"]["order_inconsistent"], report["bias"]["position_swap_items"]) == (5, 6)
    assert any("5 of 6" in w and "order-inconsistent" in w for w in report["warnings"]), report
