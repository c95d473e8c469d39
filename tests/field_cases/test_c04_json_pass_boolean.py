"""C04: promptfoo-style JSON answers `{"pass": false, "score": ..., "reason": ...}`."""

from __future__ import annotations

from collections.abc import Callable

from tests.field_cases.harness import FieldCase, assert_readings, judge_data_csv


def test_the_pass_boolean_is_read_by_key(field_case: Callable[[str], FieldCase]) -> None:
    verdicts = judge_data_csv(field_case("C04-json-pass-boolean"))
    # The `pass` field decides (the issue asks JSON answers to be read by key, `pass` included);
    # the key *name* `pass` must never read as PASS.
    assert_readings(verdicts, {"K1": "fail", "K2": "pass", "K3": "fail", "K4": "fail"})
