"""C06: markdown-wrapped and cased verdicts (positive controls)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from tests.field_cases.harness import FieldCase, assert_readings, judge_data_csv


def test_every_clear_verdict_reads_as_its_label(field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C06-markdown-variants")
    verdicts = judge_data_csv(case)
    with Path(case.path("data.csv")).open(encoding="utf-8", newline="") as handle:
        labels = {row["key"]: row["target"] for row in csv.DictReader(handle)}
    assert len(labels) == 13
    # K07 (a `## Verdict` heading, then the verdict) may at worst be unreadable.
    assert_readings(verdicts, labels, may_be_unreadable={"K07"})
