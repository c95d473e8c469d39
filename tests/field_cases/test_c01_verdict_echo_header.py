"""C01: a judge that echoes the `Pass/Fail:` header before its verdict."""

from __future__ import annotations

from collections.abc import Callable

from tests.field_cases.harness import FieldCase, assert_readings, judge_data_csv


def test_header_words_are_not_verdicts(field_case: Callable[[str], FieldCase]) -> None:
    verdicts = judge_data_csv(field_case("C01-verdict-echo-header"))
    # K1 and K3 are FAIL, at worst unreadable, never the PASS of the header `Pass/Fail:`.
    assert_readings(verdicts, {"K1": "fail", "K2": "pass", "K3": "fail", "K4": "pass"},
                    may_be_unreadable={"K1", "K2", "K3"})
