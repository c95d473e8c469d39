"""Numeric alignment: a monotone map from the judge's score to the human scale."""

from __future__ import annotations

import asyncio

import pytest

from evalign.align import AlignConfig, execute_alignment, start_alignment
from evalign.align.calibrate import choose_calibration, fit_calibration, mae
from evalign.errors import ConfigError
from evalign.items import Item
from evalign.judges.calibrated import calibrated_value, map_100
from evalign.judges.scorer import score_item
from evalign.judges.spec import JudgeSpec
from evalign.providers.base import GenerateRequest
from evalign.providers.scripted import ScriptedModel
from evalign.scores import ScoreConfig
from evalign.store import Store, repo_datasets
from evalign.store.repo_judges import create_judge, resolve
from tests.align.helpers import as_dict, lenient_rows

SCALE = ScoreConfig(kind="numeric", min=0, max=100, threshold=50)


def test_isotonic_and_linear_maps_are_monotone_knots() -> None:
    judge, human = [90.0, 80.0, 70.0, 95.0], [50.0, 30.0, 10.0, 60.0]
    iso = fit_calibration(judge, human, "isotonic")
    assert iso["x"] == sorted(iso["x"]) and map_100(iso, 80.0) == pytest.approx(30.0)
    line = fit_calibration(judge, human, "linear")
    assert line["x"][0] == 0.0 and line["x"][-1] == 100.0
    assert map_100(line, 85.0) == pytest.approx(40.0, abs=1) and map_100(line, 10.0) == 0.0
    assert mae(iso, judge, human) < mae(None, judge, human)
    chosen, scores = choose_calibration((judge, human), ([85.0, 75.0], [40.0, 20.0]))
    assert chosen is not None and scores[chosen["method"]] < scores["none"]
    none, _ = choose_calibration((judge, human), ([85.0], [85.0]))
    assert none is None  # the raw score is already right on validation
    assert calibrated_value(iso, ScoreConfig.parse("stars"), 5) in (1, 2, 3, 4, 5)
    with pytest.raises(ConfigError):
        map_100({"x": [1.0, 0.0], "y": [0.0, 1.0]}, 0.5)


def test_median_line_keeps_bimodal_ratings_near_their_modes() -> None:
    # Ratings in two modes (a summary is good or it is not) and a judge whose score ranks them
    # with some noise: the least-absolute-deviation line is the best line for the MAE.
    judge = [float(v) for v in range(0, 100, 5)]
    human = [15.0 if j < 45 else 90.0 for j in judge[:-2]] + [20.0, 15.0]
    median = fit_calibration(judge, human, "median_line")
    line = fit_calibration(judge, human, "linear")
    assert median["method"] == "median_line" and median["x"] == sorted(median["x"])
    assert mae(median, judge, human) < mae(line, judge, human)
    flat = fit_calibration([50.0, 50.0, 50.0], [10.0, 20.0, 90.0], "median_line")
    assert map_100(flat, 50.0) == pytest.approx(20.0)  # no slope to learn: the median


def test_calibrate_strategy_lowers_mae_and_the_accepted_judge_applies_it(
        sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        repo_datasets.write_dataset(s, "rated", lenient_rows(), repo_datasets.Criteria(s, SCALE))
        create_judge(s, "rater", JudgeSpec(prompt="Rate 0-100: {question} {output} {truth}",
                                           scale=SCALE, model="scripted/x"))

    def judge(request: GenerateRequest) -> str:
        return str(request.messages[-1]["content"]).rsplit(" ", 1)[-1]

    run_id = start_alignment(sqlite_store, "rater", AlignConfig(
        dataset="rated", group_by="question", strategies=("calibrate",)))
    done = execute_alignment(sqlite_store, run_id, models={"judge": ScriptedModel(judge),
                                                           "reflection": ScriptedModel(judge)})
    out = as_dict(done.outcome)
    assert out["strategy"] == "calibrate", out["notes"]
    base, cand = out["baseline"]["numeric"], out["candidate"]["numeric"]
    assert cand["mae"] < base["mae"] and base["mae"] > 20
    assert out["details"]["val_mae"]["none"] > min(out["details"]["val_mae"].values())
    calibration = out["candidate_spec"]["checks"]["calibration"]
    from evalign.align import accept_alignment

    accept_alignment(sqlite_store, run_id)
    with sqlite_store.session() as s:
        accepted = resolve(s, "rater").spec
    assert accepted.checks["calibration"] == calibration
    item = Item({"question": "q", "truth": "90"}, "a")
    verdict = asyncio.run(score_item(accepted, item, ScriptedModel(judge)))
    assert verdict.value == pytest.approx(map_100(calibration, 90.0), abs=0.01)
    assert verdict.value < 90


def test_too_few_readable_train_scores_fit_no_map() -> None:
    found, scores = choose_calibration(([40.0], [60.0]), ([50.0, 70.0], [55.0, 65.0]))
    assert found is None
    assert set(scores) == {"none"} and scores["none"] == pytest.approx(5.0)
