"""Pass/fail statistics: exact answers on known inputs and cross-checks against scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as skm

from evalign.stats import (
    Confusion,
    agreement_report,
    agreement_report_arrays,
    comparisons_from_lists,
    wilson_ci,
)


def test_constant_pass_on_balanced_set() -> None:
    comps = comparisons_from_lists(["pass", "fail"] * 20, ["pass"] * 40)
    report = agreement_report(comps)
    assert report["comparisons"] == 40
    assert report["agreement"] == 0.5
    assert report["misaligned"] == 20
    assert report["confusion"] == {"tp": 20, "fn": 0, "tn": 0, "fp": 20}
    assert report["kappa"] == 0.0
    assert report["fail_recall"] == 0.0
    assert report["fail_precision"] is None
    assert "FAIL" in report["undefined"]["fail_precision"]
    assert report["mcc"] is None and "mcc" in report["undefined"]
    assert report["auc"] is None and report["numeric"] is None
    assert report["pass_recall"] == 1.0 and report["pass_precision"] == 0.5
    assert any("PASS on every item" in w for w in report["warnings"])


def test_confusion_cells_follow_the_human_as_truth() -> None:
    human = ["pass", "pass", "fail", "fail", "fail"]
    judge = ["pass", "fail", "fail", "pass", "pass"]
    report = agreement_report(comparisons_from_lists(human, judge))
    assert report["confusion"] == {"tp": 1, "fn": 1, "tn": 1, "fp": 2}
    assert report["fail_precision"] == pytest.approx(1 / 2)  # TN / judge FAIL
    assert report["fail_recall"] == pytest.approx(1 / 3)  # TN / human FAIL
    assert any("only 5 comparisons" in w for w in report["warnings"])


def test_undefined_kappa_when_both_sides_use_one_class() -> None:
    report = agreement_report(comparisons_from_lists(["pass"] * 5, ["pass"] * 5))
    assert report["agreement"] == 1.0
    assert report["kappa"] is None and "chance" in report["undefined"]["kappa"]
    assert report["balanced_accuracy"] is None
    assert any("every human label is PASS" in w for w in report["warnings"])


def test_errored_and_text_pairs_are_cannot_compare() -> None:
    comps = comparisons_from_lists(["pass", "fail", "pass"], ["pass", None, "fail"])
    comps += comparisons_from_lists(["fine"], ["pass"], human_scale="text")
    report = agreement_report(comps)
    assert report["comparisons"] == 2 and report["cannot_compare"] == 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cross_check_against_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    human = rng.random(500) < 0.6
    judge = np.where(rng.random(500) < 0.75, human, ~human)
    p = np.clip(judge * 0.6 + rng.random(500) * 0.4, 0, 1)
    report = agreement_report(comparisons_from_lists(
        ["pass" if h else "fail" for h in human], ["pass" if j else "fail" for j in judge],
        p_pass=list(p)))
    assert report["agreement"] == pytest.approx(skm.accuracy_score(human, judge))
    assert report["kappa"] == pytest.approx(skm.cohen_kappa_score(human, judge))
    assert report["mcc"] == pytest.approx(skm.matthews_corrcoef(human, judge))
    assert report["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(human, judge))
    fail_p, fail_r, fail_f, _ = skm.precision_recall_fscore_support(
        ~human, ~judge, average="binary")
    assert report["fail_precision"] == pytest.approx(fail_p)
    assert report["fail_recall"] == pytest.approx(fail_r)
    assert report["fail_f1"] == pytest.approx(fail_f)
    assert report["pass_f1"] == pytest.approx(skm.f1_score(human, judge))
    assert report["auc"] == pytest.approx(skm.roc_auc_score(human, p))
    for name in ("kappa", "mcc", "fail_f1", "agreement", "auc"):
        low, high = report[f"{name}_ci"]
        assert low < report[name] < high
        assert high - low < 0.25
    assert sum(row["count"] for row in report["calibration"]) == 500


def test_bootstrap_is_reproducible() -> None:
    comps = comparisons_from_lists(["pass", "fail", "fail"] * 20, ["pass", "fail", "pass"] * 20)
    assert agreement_report(comps)["kappa_ci"] == agreement_report(comps)["kappa_ci"]


def test_wilson_interval_matches_the_formula() -> None:
    low, high = wilson_ci(8, 10)  # type: ignore[misc]
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    assert wilson_ci(0, 0) is None


def test_confusion_of_arrays() -> None:
    c = Confusion.of(np.array([1, 1, 0, 0], bool), np.array([1, 0, 0, 1], bool))
    assert c.as_tuple() == (1, 1, 1, 1)


def test_arrays_fast_path_matches_records() -> None:
    human = [True, False, True, True, False, False, True]
    judge = [True, True, False, True, False, False, True]
    via_arrays = agreement_report_arrays(human, judge)
    via_records = agreement_report(comparisons_from_lists(human, judge))
    for key in ("agreement", "kappa", "mcc", "fail_f1", "kappa_ci"):
        assert via_arrays[key] == via_records[key] or (
            via_arrays[key] is not None and math.isclose(via_arrays[key], via_records[key]))


def test_majority_warning_only_on_imbalanced_classes() -> None:
    # 48/48 balanced, the judge right on half: no majority label to beat, nothing imbalanced
    human = ["pass", "fail"] * 48
    judge = ["pass", "pass", "fail", "fail"] * 24
    warned = " ".join(agreement_report(comparisons_from_lists(human, judge))["warnings"])
    assert "majority" not in warned and "imbalanced" not in warned
    # 72 PASS / 24 FAIL, the judge at 72/96 (= always PASS's share): warned, naming the class
    human = ["pass"] * 72 + ["fail"] * 24
    judge = ["pass"] * 60 + ["fail"] * 12 + ["pass"] * 12 + ["fail"] * 12
    (majority,) = [w for w in agreement_report(comparisons_from_lists(human, judge))["warnings"]
                   if "majority" in w]
    assert "72/96" in majority and "label PASS (72/96)" in majority and "imbalanced" in majority
    # one hit above the majority share: no warning
    judge = ["pass"] * 61 + ["fail"] * 11 + ["pass"] * 11 + ["fail"] * 13
    warned = " ".join(agreement_report(comparisons_from_lists(human, judge))["warnings"])
    assert "majority" not in warned
