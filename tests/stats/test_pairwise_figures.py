"""Paired figures with undecided and errored verdicts, which side scored higher (exact sign),
and the κ interval of pairwise choices."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from evalign.scores import ScoreConfig
from evalign.stats import Comparison, agreement_report, comparisons_from_lists, paired_report
from evalign.stats.bootstrap import table_kappa_ci
from evalign.stats.numeric import direction_counts, numeric_metrics

PAIRWISE = ScoreConfig(kind="pairwise")


def _pairs(judge: list[int | None], undecided: set[int]) -> list[Comparison]:
    """Humans prefer output 1 on every item; `judge[k]` is the judge's choice (None: no
    verdict, undecided when k is in `undecided`, else errored)."""
    return [Comparison(item_id=k, human=1, judge=j, human_scale=PAIRWISE, judge_scale=PAIRWISE,
                       undecided=k in undecided) for k, j in enumerate(judge)]


def test_an_undecided_side_is_a_miss_and_an_errored_pair_is_left_out() -> None:
    # items 0-3 right in both; 4: tie in A (miss), undecided in B (miss); 5: wrong in A, right
    # in B; 6: right in A, undecided in B; 7: errored in A; 8: errored in B; 9: both undecided
    base = _pairs([1, 1, 1, 1, 0, 2, 1, None, 1, None], undecided={9})
    cand = _pairs([1, 1, 1, 1, None, 1, None, 1, None, None], undecided={4, 6, 9})
    paired = paired_report(base, cand)
    assert paired["pairs"] == 8  # items 7 and 8 left out
    assert paired["baseline_agreement"] == pytest.approx(5 / 8)  # 0-3, 6
    assert paired["candidate_agreement"] == pytest.approx(5 / 8)  # 0-3, 5
    assert paired["flipped_to_aligned"] == [5] and paired["flipped_to_misaligned"] == [6]
    assert paired["undecided_as_misses"] == {"baseline": 1, "candidate": 3}
    assert paired["errored_left_out"] == {"pairs": 2, "baseline": 1, "candidate": 1}
    assert paired["unmatched"] == 0
    notes = " | ".join(paired["notes"])
    assert "3 undecided verdicts of the candidate" in notes and "counted as misses" in notes
    assert "2 pairs left out: a verdict errored (baseline 1, candidate 1)" in notes
    # alone, the candidate's headline leaves its undecided items out: 100%, not 5 of 8
    alone = agreement_report(cand)
    assert alone["agreement"] == 1.0 and alone["comparisons"] == 6  # 0-3, 5, 7


def test_the_paired_candidate_repeats_agreement_all_on_the_same_items() -> None:
    base = _pairs([1, 2, 1, 0, 1, 1], undecided=set())
    cand = _pairs([1, None, 1, None, 1, 2], undecided={1, 3})
    paired = paired_report(base, cand)
    assert paired["pairs"] == 6 and paired["errored_left_out"]["pairs"] == 0
    assert paired["candidate_agreement"] == agreement_report(cand)["agreement_all"] == 0.5
    assert paired["baseline_agreement"] == agreement_report(base)["agreement"]


def test_pairs_on_one_run_only_are_counted() -> None:
    base = _pairs([1, 1, 1], undecided=set())
    paired = paired_report(base, base[:2])
    assert paired["pairs"] == 2 and paired["unmatched"] == 1
    assert any("no counterpart" in n for n in paired["notes"])
    clean = paired_report(base, base)
    assert clean["notes"] == [] and clean["undecided_as_misses"] == {"baseline": 0,
                                                                     "candidate": 0}


def test_which_side_scored_higher_uses_the_exact_sign() -> None:
    delta = np.array([0.5, -0.5, 0.0, 30.0, np.nan, -0.01])
    assert direction_counts(delta) == {"judge_higher": 2, "human_higher": 2, "equal": 1}
    human = np.array([50.0, 50.0, 50.0])
    judge = np.array([50.5, 49.0, 50.0])
    out = numeric_metrics(human, judge)
    assert (out["judge_higher"], out["human_higher"], out["equal"]) == (1, 1, 1)


def test_pairwise_kappa_has_a_bootstrap_interval() -> None:
    rng = np.random.default_rng(7)
    human = rng.choice([0, 1, 2], size=300, p=[0.2, 0.4, 0.4])
    judge = np.where(rng.random(300) < 0.7, human, rng.choice([0, 1, 2], size=300))
    report = agreement_report(comparisons_from_lists(
        human.tolist(), judge.tolist(), human_scale="pairwise", judge_scale="pairwise"))
    kappa = report["kappa"]
    assert kappa == pytest.approx(cohen_kappa_score(human, judge))
    low, high = report["kappa_ci"]
    assert low < kappa < high and "kappa_ci" not in report["undefined"]
    # the multinomial over the 3×3 table is resampling the pairs: an index bootstrap agrees
    idx = np.random.default_rng(1).integers(0, 300, size=(400, 300))
    by_index = [cohen_kappa_score(human[i], judge[i]) for i in idx]
    assert low == pytest.approx(np.percentile(by_index, 2.5), abs=0.03)
    assert high == pytest.approx(np.percentile(by_index, 97.5), abs=0.03)


def test_pairwise_kappa_interval_says_why_when_missing() -> None:
    same = agreement_report(comparisons_from_lists([1] * 6, [1] * 6, human_scale="pairwise",
                                                   judge_scale="pairwise"))
    assert same["kappa"] is None and same["kappa_ci"] is None
    assert same["undefined"]["kappa_ci"] == "κ is undefined"
    perfect = np.array([[5, 0, 0], [0, 5, 0], [0, 0, 5]])
    assert table_kappa_ci(perfect) == [1.0, 1.0]
    assert table_kappa_ci(np.zeros((3, 3), dtype=np.int64)) is None
