"""C07: a reasoning model's `<think>...</think>` block before the verdict."""

from __future__ import annotations

from collections.abc import Callable

from tests.field_cases.harness import FieldCase, assert_readings, judge_data_csv


def test_verdicts_are_read_after_the_think_block(field_case: Callable[[str], FieldCase]) -> None:
    verdicts = judge_data_csv(field_case("C07-think-tags"))
    assert_readings(verdicts, {"K1": "fail", "K2": "pass"})
    # K3 was cut off inside the block: unreadable, with its raw text kept.
    cut = verdicts["K3"]
    assert cut["value"] is None and cut["error"], cut
    assert cut["raw"].startswith("<think>"), cut
