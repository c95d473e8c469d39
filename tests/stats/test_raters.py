"""A numeric judge against several raters: their mean, each rater, and the raters' own gap."""

from __future__ import annotations

import pytest

from evalign.scores import ScoreConfig
from evalign.stats.annotators import annotator_agreement
from evalign.stats.numeric import numeric_metrics
from evalign.stats.raters import judge_vs_raters

SCALE = ScoreConfig(kind="numeric", min=0, max=100, threshold=50)
RATINGS = {
    "a": {"r1": 80.0, "r2": 70.0, "r3": 10.0},
    "b": {"r1": 40.0, "r2": 50.0, "r3": 30.0},
    "c": {"r1": 20.0, "r2": 20.0},
    "d": {"r1": 90.0, "r3": 60.0},
}
JUDGE = {"a": 50.0, "b": 45.0, "c": 10.0, "d": 80.0}


def test_mean_each_rater_and_the_gaps_by_hand() -> None:
    found = judge_vs_raters(RATINGS, SCALE, JUDGE)
    assert found is not None and (found["items"], found["raters"]) == (4, 3)
    # means: a 53.33, b 40, c 20, d 75 -> gaps 3.33, 5, 10, 5
    assert found["mean"]["n"] == 4
    assert found["mean"]["mae"] == pytest.approx((10 / 3 + 5 + 10 + 5) / 4)
    assert found["mean"]["spearman"] == pytest.approx(1.0)  # same order as the means
    r1 = found["each"]["r1"]  # 30, 5, 10, 10
    assert (r1["n"], r1["mae"]) == (4, pytest.approx(55 / 4))
    r3 = found["each"]["r3"]  # a, b, d: 40, 15, 20
    assert (r3["n"], r3["mae"]) == (3, pytest.approx(25.0))
    assert found["each"]["r2"]["n"] == 3
    # every (item, rater) gap: r1 55 + r2 (20+5+10) + r3 75 over 10 pairs
    assert found["judge_gap_100"] == pytest.approx((55 + 35 + 75) / 10)
    # rater pairs: a 10, 70, 60; b 10, 10, 20; c 0; d 30 -> 210 / 8
    assert found["rater_gap_100"] == pytest.approx(210 / 8)
    assert found["rater_gap_100"] == annotator_agreement(RATINGS, SCALE)["mean_abs_diff_100"]


def test_mean_row_is_numeric_metrics_itself() -> None:
    found = judge_vs_raters(RATINGS, SCALE, JUDGE)
    assert found is not None
    means = [sum(p.values()) / len(p) for p in RATINGS.values()]
    import numpy as np

    same = numeric_metrics(np.array(means), np.array(list(JUDGE.values())))
    for key in ("mae", "mae_ci", "spearman", "kendall", "kendall_ci", "pearson"):
        assert found["mean"][key] == same[key], key
    assert found["each"]["r1"].keys() >= {"n", "mae", "spearman", "kendall", "undefined"}


def test_edge_cases_are_none_not_made_up() -> None:
    assert judge_vs_raters(RATINGS, ScoreConfig(kind="pass_fail"), JUDGE) is None
    assert judge_vs_raters(RATINGS, SCALE, {}) is None  # every verdict errored
    only_c = judge_vs_raters(RATINGS, SCALE, {"c": 10.0})
    assert only_c is not None and only_c["mean"]["spearman"] is None
    assert only_c["each"]["r1"]["undefined"]["spearman"] == "fewer than 2 pairs"
    one_rater = judge_vs_raters({"x": {"r1": 30.0}, "y": {"r2": 60.0}}, SCALE,
                                {"x": 20.0, "y": 70.0})
    assert one_rater is not None and one_rater["rater_gap_100"] is None
    stars = judge_vs_raters({"x": {"r1": 1, "r2": 5}}, ScoreConfig.parse("stars"), {"x": 50.0})
    assert stars is not None and stars["mean"]["mae"] == pytest.approx(0.0)
    assert stars["rater_gap_100"] == pytest.approx(100.0)


def test_numeric_metrics_without_intervals() -> None:
    import numpy as np

    h, j = np.array([10.0, 40.0, 70.0, 90.0, 30.0]), np.array([20.0, 35.0, 60.0, 95.0, 10.0])
    full, bare = numeric_metrics(h, j), numeric_metrics(h, j, intervals=False)
    assert full["mae_ci"] is not None and bare["mae_ci"] is None
    assert bare["spearman_ci"] is None and bare["correlation_ci_method"] is None
    for key in ("mae", "spearman", "kendall", "pearson", "aligned_pct"):
        assert full[key] == bare[key]
