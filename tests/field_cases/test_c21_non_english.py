"""C21: non-English data and non-English judge answers."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from tests.field_cases.harness import FieldCase, assert_readings, verdicts_by_key


def test_text_is_verbatim_and_answers_never_guessed(
        field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C21-non-english")
    with case.mock() as mock:
        case.ok("import", case.path("data.csv"), "--dataset", "d")
        case.ok("judge", "create", "j", "--prompt-file", case.path("prompt.txt"),
                "--model", "openai/whatever", "--dataset", "d")
        run = case.run("run", "j", "--dataset", "d")
        assert run.code in (0, 3), str(run)
        prompts = mock.user_prompts()
    with Path(case.path("data.csv")).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # Chinese, German, Arabic (with its RTL mark) and French reach the judge verbatim.
    for row in rows:
        sent = [p for p in prompts if f"Case {row['key']}\n" in p]
        assert sent, (row["key"], prompts)
        assert row["question"] in sent[0] and row["response"] in sent[0], (row, sent[0])
    verdicts = verdicts_by_key(case, 1)
    # K3 and K5 (an RTL mark before PASS) are PASS; 结论：FAIL is FAIL or unreadable; 通过,
    # BESTANDEN and ÉCHEC are PASS, PASS, FAIL in their languages, or unreadable, never guessed.
    assert_readings(verdicts, {"K1": "pass", "K2": "fail", "K3": "pass", "K4": "pass",
                               "K5": "pass", "K6": "fail"},
                    may_be_unreadable={"K1", "K2", "K4", "K6"})
