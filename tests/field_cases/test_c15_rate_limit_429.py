"""C15: 429s and 503s on most first attempts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from tests.field_cases.harness import FieldCase


def test_every_item_gets_its_verdict_after_retries(
        field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C15-rate-limit-429")
    with case.mock() as mock:
        case.ok("import", case.path("data.csv"), "--dataset", "d")
        case.ok("judge", "create", "j", "--prompt-file", case.path("prompt.txt"),
                "--model", "openai/whatever", "--dataset", "d")
        case.ok("run", "j", "--dataset", "d")
        statuses = Counter(r["status"] for r in mock.requests())
    assert statuses[200] == 30 and statuses[429] + statuses[503] > 0, statuses
    run = case.json("runs", "show", "1", "--json")
    assert (run["run"]["status"], run["run"]["verdicts"], run["run"]["errors"]) == \
        ("completed", 30, 0)
    assert len(run["items"]) == 30 and all(v["error"] is None for v in run["items"])
    # Not much longer than the Retry-After waits (1 s, twice), allowing for a loaded machine.
    assert run["run"]["wall_s"] < 30, run["run"]
    report = case.json("report", "1", "--format", "json")
    assert (report["comparisons"], report["cannot_compare"], report["agreement"]) == (30, 0, 1.0)
