"""C03: reasoning that starts with a list number (`1.`, `0 problems`)."""

from __future__ import annotations

from collections.abc import Callable

from tests.field_cases.harness import FieldCase, assert_readings, judge_data_csv


def test_list_numbers_are_not_verdicts(field_case: Callable[[str], FieldCase]) -> None:
    verdicts = judge_data_csv(field_case("C03-numbered-reasoning"))
    # The stated conclusion, or an unreadable answer: never `1.` as PASS or `0` as FAIL.
    assert_readings(verdicts, {"K1": "fail", "K2": "pass"}, may_be_unreadable={"K1", "K2"})
