"""C02: a tentative verdict in the reasoning before the final one."""

from __future__ import annotations

from collections.abc import Callable

from tests.field_cases.harness import FieldCase, assert_readings, judge_data_csv


def test_the_final_verdict_decides(field_case: Callable[[str], FieldCase]) -> None:
    verdicts = judge_data_csv(field_case("C02-first-vs-final-verdict"))
    assert_readings(verdicts, {"K1": "fail", "K2": "pass", "K3": "fail"},
                    may_be_unreadable={"K3"})
