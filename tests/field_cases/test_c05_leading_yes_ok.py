"""C05: answers opening with a conversational Yes / OK / No / Good before the verdict."""

from __future__ import annotations

from collections.abc import Callable

from tests.field_cases.harness import FieldCase, assert_readings, judge_data_csv


def test_the_stated_verdict_wins_over_an_opening_word(
        field_case: Callable[[str], FieldCase]) -> None:
    verdicts = judge_data_csv(field_case("C05-leading-yes-ok"))
    assert_readings(verdicts, {"K1": "fail", "K2": "fail", "K3": "pass", "K4": "fail"})
