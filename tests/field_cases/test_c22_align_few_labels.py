"""C22: alignment asked on a set with only 3 labelled items."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.field_cases.harness import FieldCase


def test_alignment_on_three_labels_is_refused_in_one_line(
        field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C22-align-few-labels")
    case.ok("import", case.path("data.csv"), "--dataset", "d")
    case.ok("judge", "create", "j", "--prompt-file", case.path("prompt.txt"),
            "--model", "scripted/hash", "--dataset", "d")
    result = case.run("align", "j", "--dataset", "d", "--strategy", "threshold",
                      "--reflection-model", "scripted/hash")
    if result.code == 0:
        # Or it ran: then no figure on a tiny test split may be claimed as significant.
        runs = json.loads(case.ok("align", "history", "j", "--json").out)
        assert all(not r.get("conclusion") or "not significant" in r["conclusion"]
                   or "cannot" in r["conclusion"] for r in runs), runs
        return
    assert result.code == 2, str(result)
    message = result.err.strip().removeprefix("error:").strip()
    assert "\n" not in message, message  # one line
    assert "3 labelled" in message or "3 labeled" in message, message
    assert "needs at least" in message, message
    # Refused up front: no alignment run, so no "aligned" claim.
    assert json.loads(case.ok("align", "history", "j", "--json").out) == []
