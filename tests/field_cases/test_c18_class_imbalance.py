"""C18: 19 of 20 items pass and the judge always says PASS; then a one-class set."""

from __future__ import annotations

from collections.abc import Callable

from tests.field_cases.harness import FieldCase


def test_imbalance_is_not_reported_as_a_good_judge(
        field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C18-class-imbalance")
    case.ok("import", case.path("data.csv"), "--dataset", "d")
    case.ok("judge", "create", "j", "--prompt-file", case.path("prompt.txt"),
            "--model", "scripted/constant:PASS", "--dataset", "d")
    case.ok("run", "j", "--dataset", "d")
    report = case.json("report", "1", "--format", "json")
    assert report["comparisons"] == 20 and abs(report["agreement"] - 0.95) < 1e-9, report
    assert report["kappa"] == 0, report
    assert report["fail_recall"] == 0, report  # 0 of 1 FAIL found
    warned = " ".join(report["warnings"]).lower()
    assert ("never" in warned and "fail" in warned) or "majority" in warned, report["warnings"]


def test_one_class_figures_are_undefined_with_a_reason(
        field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C18-class-imbalance")
    case.ok("import", case.path("all_pass.csv"), "--dataset", "allpass")
    case.ok("judge", "create", "j", "--prompt-file", case.path("prompt.txt"),
            "--model", "scripted/constant:PASS", "--dataset", "allpass")
    case.ok("run", "j", "--dataset", "allpass")
    report = case.json("report", "1", "--format", "json")
    assert report["comparisons"] == 10, report
    for metric in ("kappa", "fail_precision", "fail_recall", "fail_f1"):
        assert report[metric] is None, (metric, report[metric])  # not 0, not 1
        assert report["undefined"].get(metric), (metric, report["undefined"])
