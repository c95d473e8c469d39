"""C16: items the judge never answered (context length, HTTP 500, unreadable, empty)."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.field_cases.harness import FieldCase, verdicts_by_key


def test_errors_are_kept_out_of_agreement_and_counted_aloud(
        field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C16-judge-errors-accounting")
    with case.mock():
        case.ok("import", case.path("data.csv"), "--dataset", "d")
        case.ok("judge", "create", "j", "--prompt-file", case.path("prompt.txt"),
                "--model", "openai/whatever", "--dataset", "d")
        run = case.run("run", "j", "--dataset", "d")
    assert run.code in (0, 3), str(run)
    assert "4 of 10" in run.text, str(run)  # said plainly in the run summary
    verdicts = verdicts_by_key(case, 1)
    assert all(verdicts[f"K{n}"]["error"] is None for n in range(1, 7)), verdicts
    errors = {k: (v["value"], str(v["error"]).lower()) for k, v in verdicts.items()
              if k in ("K7", "K8", "K9", "K10")}
    assert all(value is None for value, _ in errors.values()), errors
    # Each with its reason: context length, server error, unreadable, empty.
    assert "context" in errors["K7"][1], errors
    assert "500" in errors["K8"][1] or "server" in errors["K8"][1], errors
    assert "unreadable" in errors["K9"][1] or "no verdict" in errors["K9"][1], errors
    assert "empty" in errors["K10"][1], errors
    shown = case.json("runs", "show", "1", "--json")["run"]
    assert (shown["items"], shown["errors"]) == (10, 4), shown
    assert shown["status"] == "completed", shown  # 6 answered: not a failed run
    report = case.json("report", "1", "--format", "json")
    assert (report["comparisons"], report["agreement"]) == (6, 1.0), report
    assert report["cannot_compare"] == 4 and report["cannot_compare_causes"][
        "errored_verdicts"] == 4, report
    # Said plainly in the report too: 6 compared, and the 4 without a verdict left out.
    text = " ".join(case.ok("report", "1").out.split())
    assert re.search(r"\b4 (of 10 )?(items have no verdict|errored)", text), text
