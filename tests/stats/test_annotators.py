"""Inter-annotator agreement: textbook values and PandaLM's three annotators."""

from __future__ import annotations

import json
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from evalign.scores import ScoreConfig
from evalign.stats.annotators import annotator_agreement, fleiss_kappa

PAIRWISE = ScoreConfig.parse("pairwise")


def test_fleiss_kappa_textbook_example() -> None:
    # Fleiss (1971) as reproduced on Wikipedia: 10 items, 14 raters, 5 categories → 0.210
    table = np.array([
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]])
    assert fleiss_kappa(table) == pytest.approx(0.210, abs=5e-4)


def test_perfect_and_degenerate_agreement() -> None:
    scale = ScoreConfig.parse("pass_fail")
    ratings = {i: {"a": "pass" if i % 2 else "fail", "b": "pass" if i % 2 else "fail"}
               for i in range(10)}
    report = annotator_agreement(ratings, scale)
    assert report["fleiss_kappa"] == pytest.approx(1.0)
    assert report["pairwise_cohen_kappa"] == {"a|b": 1.0}
    constant = {i: {"a": "pass", "b": "pass"} for i in range(5)}
    report = annotator_agreement(constant, scale)
    assert report["fleiss_kappa"] is None and "fleiss_kappa" in report["undefined"]
    assert report["mean_pairwise_agreement"] == 1.0


def _pandalm(shared: Path) -> dict[int, dict[str, int]]:
    rows = [json.loads(line) for line in (shared / "pandalm/public.jsonl").open()]
    return {r["idx"]: {f"annotator{k}": r[f"annotator{k}"] for k in (1, 2, 3)} for r in rows}


def test_pandalm_three_annotators(shared_datasets: Path) -> None:
    ratings = _pandalm(shared_datasets)
    report = annotator_agreement(ratings, PAIRWISE)
    assert report["items"] == len(ratings) == 607
    assert report["annotators"] == 3 and report["krippendorff_level"] == "nominal"
    a1 = [r["annotator1"] for r in ratings.values()]
    a2 = [r["annotator2"] for r in ratings.values()]
    assert report["pairwise_cohen_kappa"]["annotator1|annotator2"] == pytest.approx(
        cohen_kappa_score(a1, a2))
    data = np.array([[r[f"annotator{k}"] for r in ratings.values()] for k in (1, 2, 3)], float)
    assert report["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    # PandaLM's authors dropped high-disagreement items: agreement is high but not perfect
    assert 0.5 < report["fleiss_kappa"] < 0.95
    assert 0.7 < report["mean_pairwise_agreement"] < 0.99
    assert 0.7 < report["ceiling"] <= 1.0


def test_tied_items_count_in_the_ceiling() -> None:
    # two annotators: item 2 and 3 tie (one pass, one fail) and still count, as items and
    # as misses of the ceiling; a tied item is an item the humans disagree on
    scale = ScoreConfig.parse("pass_fail")
    ratings = {1: {"a": "pass", "b": "pass"}, 2: {"a": "pass", "b": "fail"},
               3: {"a": "fail", "b": "pass"}, 4: {"a": "fail", "b": "fail"}, 5: {"a": "pass"}}
    report = annotator_agreement(ratings, scale)
    assert report["items"] == 4 and report["labels"] == 9
    assert report["ceiling"] == report["mean_pairwise_agreement"] == pytest.approx(0.5)


def test_stars_and_numbers_agree_on_pass_fail_like_the_headline() -> None:
    # stars 4 and 5 both pass (threshold 3): the ceiling, κ and raw agreement count them
    # the same, as the judge's agreement with the humans does; α still reads the stars
    stars = ScoreConfig.parse("stars")
    assert stars.threshold == 3
    ratings = {1: {"a": 4, "b": 5}, 2: {"a": 1, "b": 2}, 3: {"a": 4, "b": 2}, 4: {"a": 2, "b": 2}}
    report = annotator_agreement(ratings, stars)
    assert report["ceiling"] == report["mean_pairwise_agreement"] == pytest.approx(0.75)
    assert report["krippendorff_level"] == "interval"
    assert report["mean_abs_diff_100"] == pytest.approx(100 * (1 + 1 + 2 + 0) / 4 / 4)
    numeric = ScoreConfig.parse("numeric:0:100:50")
    scores = {1: {"a": 60, "b": 90, "c": 55}, 2: {"a": 10, "b": 45, "c": 70}}
    found = annotator_agreement(scores, numeric)
    # item 1: all pass. Item 2: a and b fail, c passes; the others of a (b fail, c pass) tie,
    # so a has no majority to meet there, nor has b; c misses the others' fail
    assert found["annotator_vs_others"] == {"a": 1.0, "b": 1.0, "c": 0.5}


def test_pairwise_agreement_is_on_the_choice(shared_datasets: Path) -> None:
    ratings = _pandalm(shared_datasets)
    report = annotator_agreement(ratings, PAIRWISE)
    rates = report["pairwise_agreement"]
    a1 = [r["annotator1"] for r in ratings.values()]
    a2 = [r["annotator2"] for r in ratings.values()]
    assert rates["annotator1|annotator2"] == pytest.approx(
        np.mean([x == y for x, y in zip(a1, a2, strict=True)]))


def test_numeric_scale_uses_interval_alpha(shared_datasets: Path) -> None:
    rows = [json.loads(line) for line in
            (shared_datasets / "squality_human_eval/public.jsonl").open()]
    scale = ScoreConfig.parse("numeric:0:100")
    ratings = {r["id"]: {rev["worker_id"]: float(rev["overall"]) for rev in r["reviews"]}
               for r in rows}
    report = annotator_agreement(ratings, scale)
    assert report["krippendorff_level"] == "interval"
    assert report["annotators"] == 4 and report["items"] == 180
    assert -1 < report["krippendorff_alpha"] < 1
    # the dataset notes that raters differ by about 16 points on the same item
    assert 8 < report["mean_abs_diff_100"] < 25
