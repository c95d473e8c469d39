"""Numeric statistics (SQuALITY ratings), paired comparison of two runs, breakdowns, probes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from evalign.scores import ScoreConfig
from evalign.stats import (
    Comparison,
    agreement_report,
    agreement_report_arrays,
    comparisons_from_lists,
    paired_report,
)
from evalign.stats.bias import length_preference, position_consistency
from evalign.stats.breakdown import breakdown
from evalign.stats.numeric import numeric_metrics
from evalign.stats.stability import stability

SCALE = ScoreConfig.parse("numeric:0:100:50")


def test_numeric_known_answers() -> None:
    human = np.array([10.0, 50.0, 80.0, 30.0])
    judge = np.array([10.5, 75.0, 60.0, 30.0])
    out = numeric_metrics(human, judge)
    assert out["mae"] == pytest.approx((0.5 + 25 + 20 + 0) / 4)
    assert out["aligned_pct"] == 50.0  # 0.5 and 0 are < 1
    assert out["discrepancy_pct"] == 50.0  # 25 and 20 are ≥ 20
    assert (out["judge_higher"], out["human_higher"], out["equal"]) == (2, 1, 1)
    assert numeric_metrics(human, judge, discrepancy_delta=30)["discrepancy_pct"] == 0.0
    flat = numeric_metrics(human, np.full(4, 50.0))
    assert flat["pearson"] is None and "constant" in flat["undefined"]["pearson"]


@pytest.mark.parametrize("spec", ["numeric:0:100:50", "numeric:1:100:50", "numeric:1:10:5",
                                  "numeric:0:1000:500"])
def test_a_one_step_gap_is_never_aligned_by_float_noise(spec: str) -> None:
    # integer ratings one step apart: on 0–100 the gap is exactly 1 point, which used to be
    # 0.99999999999999 (57/100*100 = 57.00000000000001) and counted as aligned (< 1)
    scale = ScoreConfig.parse(spec)
    low, high = scale.bounds()
    humans = [float(v) for v in range(int(low), int(high))]
    comps = [Comparison(item_id=i, human=h, judge=h + 1, human_scale=scale, judge_scale=scale)
             for i, h in enumerate(humans)]
    num = agreement_report(comps)["numeric"]
    step = 100 / (high - low)
    assert num["aligned_pct"] == (100.0 if step < 1 else 0.0)
    assert num["equal"] == 0 and num["judge_higher"] == len(humans)
    assert num["mae"] == pytest.approx(step)
    assert scale.to_100(low + 57) == round(57 * step, 9)  # no 57.00000000000001
    same = [Comparison(item_id=i, human=h, judge=h, human_scale=scale, judge_scale=scale)
            for i, h in enumerate(humans)]
    assert agreement_report(same)["numeric"]["aligned_pct"] == 100.0


def test_squality_rater_against_the_mean_of_others(shared_datasets: Path) -> None:
    rows = [json.loads(line) for line in
            (shared_datasets / "squality_human_eval/public.jsonl").open()]
    comps: list[Comparison] = []
    for row in rows:
        first, *rest = row["reviews"]
        others = float(np.mean([r["overall"] for r in rest]))
        comps.append(Comparison(item_id=row["id"], human=others, judge=float(first["overall"]),
                                human_scale=SCALE, judge_scale=SCALE,
                                slices={"system": row["system"]}))
    report = agreement_report(comps)
    h = np.array([c.human for c in comps], float)
    j = np.array([c.judge for c in comps], float)
    num = report["numeric"]
    assert report["comparisons"] == 180
    assert num["mae"] == pytest.approx(np.abs(h - j).mean())
    assert num["pearson"] == pytest.approx(sps.pearsonr(h, j).statistic)
    assert num["spearman"] == pytest.approx(sps.spearmanr(h, j).statistic)
    assert num["kendall"] == pytest.approx(sps.kendalltau(h, j).statistic)
    assert num["judge_higher"] + num["human_higher"] + num["equal"] == 180
    low, high = num["pearson_ci"]
    assert low < num["pearson"] < high and num["correlation_ci_method"] == "bootstrap"
    rows_by_system = breakdown(comps, "system")
    assert [r["group"] for r in rows_by_system] == ["bart", "bart-dpr", "human"]
    assert sum(r["comparisons"] for r in rows_by_system) == 180


def test_paired_report_flips_and_mcnemar() -> None:
    human = ["pass", "fail"] * 25
    base = comparisons_from_lists(human, ["pass"] * 50)
    better = list(human)
    better[1] = "pass"  # one item still wrong: a fail judged pass
    cand = comparisons_from_lists(human, better)
    paired = paired_report(base, cand)
    assert paired["pairs"] == 50
    assert paired["difference"] == pytest.approx(24 / 50)
    assert sorted(paired["flipped_to_aligned"]) == [i for i in range(3, 50, 2)]
    assert paired["flipped_to_misaligned"] == []
    assert paired["mcnemar_p"] == pytest.approx(sps.binomtest(24, 24, 0.5).pvalue)
    low, high = paired["difference_ci"]
    assert 0 < low < paired["difference"] < high
    same = paired_report(base, base)
    assert same["difference"] == 0.0 and same["mcnemar_p"] is None


def test_breakdown_ranks_judges() -> None:
    human = ["pass", "fail"] * 10
    good = comparisons_from_lists(human, human)
    bad = comparisons_from_lists(human, ["pass"] * 20)
    comps = [Comparison(**{**c.__dict__, "judge_name": "good"}) for c in good]
    comps += [Comparison(**{**c.__dict__, "judge_name": "bad"}) for c in bad]
    rows = breakdown(comps, "judge")
    assert [(r["group"], r["agreement"]) for r in rows] == [("good", 1.0), ("bad", 0.5)]


def test_stability_and_bias_probes() -> None:
    out = stability({1: ["pass"] * 4, 2: ["pass", "fail", "pass", "pass"], 3: ["fail"]})
    assert out["items"] == 2 and out["not_unanimous"] == 1
    assert out["mean_flip_rate"] == pytest.approx(0.125)
    swap = position_consistency({1: 1, 2: 2, 3: 1, 4: 0}, {1: 2, 2: 2, 3: 1, 4: 0})
    assert swap["consistency"] == 0.5 and swap["favours_first_both_times"] == 1
    pref = length_preference([1, 1, 2, 0], [1, 2, 2, 1], [100, 100, 10, 5], [10, 10, 100, 9])
    assert pref["judge_prefers_longer"] == 1.0 and pref["human_prefers_longer"] == 0.5
    assert pref["pairs"] == 3  # the judge's tie is left out


def test_one_million_comparisons_are_fast() -> None:
    rng = np.random.default_rng(0)
    n = 1_000_000
    human_100 = rng.random(n) * 100
    judge_100 = np.clip(human_100 + rng.normal(0, 15, n), 0, 100)
    p = rng.random(n)
    agreement_report_arrays([True, False] * 3, [True] * 6)  # lazy imports happen here
    # CPU time, not wall time: seven engineers share two cores while the tests run
    start = time.process_time()
    report = agreement_report_arrays(human_100 >= 50, judge_100 >= 50, human_100=human_100,
                                     judge_100=judge_100, p_pass=p)
    elapsed = time.process_time() - start
    assert report["comparisons"] == n and report["kappa_ci"] is not None
    assert report["numeric"]["correlation_ci_method"] == "fisher_z"
    assert elapsed < 5.0, elapsed
