"""C08: a 0–100 judge answering on other scales (`4/5`, `0.9`, `150`, `"20"`)."""

from __future__ import annotations

from collections.abc import Callable

from tests.field_cases.harness import FieldCase, assert_readings, judge_data_csv


def test_scores_are_rescaled_or_refused_never_misread(
        field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C08-numeric-scale-mismatch")
    verdicts = judge_data_csv(case, scale="numeric:0:100:50")
    # 85/100 is 85 and "20" is 20; 4/5 is 80 or refused, never 4.
    assert_readings(verdicts, {"K1": 80, "K2": 85, "K5": 20}, may_be_unreadable={"K1"})
    # 150 is an error, not clamped to 100.
    assert verdicts["K4"]["value"] is None and verdicts["K4"]["error"], verdicts["K4"]
    # 0.9 cannot be taken as 0.9 on 0–100 without a word: an error, or a warning about scale.
    k3 = verdicts["K3"]
    if k3["value"] is not None:
        shown = case.json("runs", "show", "1", "--json")["run"]
        assert k3["value"] in (0.9, 90) and "scale" in str(shown).lower(), (k3, shown)
