"""Numeric labels from several raters: the label is their mean, and the outcome and the report
give the judge against that mean and against each rater, beside the raters' own gap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign.align import AlignConfig, execute_alignment, start_alignment
from evalign.align.load import load_dataset
from evalign.cli.app import app
from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.providers.base import GenerateRequest
from evalign.providers.scripted import ScriptedModel
from evalign.runner.run import run_judge
from evalign.scores import ScoreConfig
from evalign.store import Store, open_store, repo_datasets
from evalign.store.repo_judges import create_judge
from tests.align.helpers import as_dict

SCALE = ScoreConfig(kind="numeric", min=0, max=100, threshold=50)
RATERS = ("ann", "bob", "cy")


def _rows(n: int = 24) -> list[Row]:
    """Three raters per item around a true score; the judge's `truth` is the mean + 30."""
    out = []
    for k in range(n):
        scores = [(10 + (k * 37) % 71 + offset) for offset in (-8, 0, 11)]
        if k == 0:
            scores = [80, 70, 10]  # a majority passes, the mean (53.3) barely does
        if k == 1:
            scores = [80, 20, 20]  # two of three fail: the mean is 40
        mean = sum(scores) / 3
        item = Item({"question": f"q{k}", "truth": str(round(min(100.0, mean + 30)))},
                    f"answer {k}", external_id=str(k))
        labels = tuple(LabelIn("overall", float(v), annotator=a)
                       for a, v in zip(RATERS, scores, strict=True))
        out.append(Row(item, labels, k + 1))
    return out


def _seed(store: Store) -> None:
    with store.session() as s:
        repo_datasets.write_dataset(s, "rated", _rows(), repo_datasets.Criteria(s, SCALE))
        create_judge(s, "rater", JudgeSpec(prompt="Rate 0-100: {question} {output} {truth}",
                                           scale=SCALE, model="scripted/x"))


def _judge(request: GenerateRequest) -> str:
    return str(request.messages[-1]["content"]).rsplit(" ", 1)[-1]


def test_several_raters_label_is_their_mean(sqlite_store: Store) -> None:
    _seed(sqlite_store)
    with sqlite_store.session() as s:
        loaded = load_dataset(s, "rated", None)
    first, second = loaded.examples[0], loaded.examples[1]
    assert first.label == pytest.approx(160 / 3)  # not 75, the passing majority's mean
    assert second.label == pytest.approx(40.0)
    assert first.ratings == {"ann": 80.0, "bob": 70.0, "cy": 10.0}
    assert len(loaded.examples) == 24 and not loaded.notes


def test_outcome_gives_the_mean_each_rater_and_the_rater_gap(sqlite_store: Store) -> None:
    _seed(sqlite_store)
    run_id = start_alignment(sqlite_store, "rater", AlignConfig(
        dataset="rated", group_by="question", strategies=("calibrate",)))
    done = execute_alignment(sqlite_store, run_id, models={"judge": ScriptedModel(_judge),
                                                           "reflection": ScriptedModel(_judge)})
    assert done.status == "aligned", done.error
    out = as_dict(done.outcome)
    raters = out["raters"]
    base, cand = raters["baseline"], raters["candidate"]
    test_items = out["split"]["test"]
    assert base["items"] == cand["items"] == test_items and cand["raters"] == 3
    assert set(cand["each"]) == set(RATERS)
    assert all(row["n"] == test_items for row in cand["each"].values())
    # The base judge says mean + 30 (capped): about 30 points off the mean.
    assert base["mean"]["mae"] == pytest.approx(
        out["baseline"]["numeric"]["mae"], abs=1e-9)  # the label is the mean
    assert cand["mean"]["mae"] < base["mean"]["mae"]
    assert cand["rater_gap_100"] is not None and cand["rater_gap_100"] > 0
    assert out["human_ceiling"]["mean_abs_diff_100"] is not None
    # The typed record reads the block back.
    assert done.outcome is not None and done.outcome.raters is not None
    assert done.outcome.raters["candidate"] is not None
    assert done.outcome.raters["candidate"].raters == 3


def test_report_json_gives_each_rater(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    store = open_store(db)
    _seed(store)
    with store.session() as s:  # the judge answers the truth field, no model needed
        create_judge(s, "truth", JudgeSpec(prompt="{truth}", scale=SCALE,
                                           model="scripted/field:truth"))
    run = run_judge(store, "truth", "rated").run
    store.close()
    result = CliRunner().invoke(app, ["report", str(run), "--format", "json", "--db", db])
    assert result.exit_code == 0, result.output
    annotators = json.loads(result.stdout)["annotators"]
    raters = annotators["raters"]
    assert raters["items"] == 24 and set(raters["each"]) == set(RATERS)
    assert raters["mean"]["mae"] == pytest.approx(30.0, abs=3)  # mean + 30, capped at 100
    assert raters["rater_gap_100"] == pytest.approx(annotators["mean_abs_diff_100"])
    assert raters["judge_gap_100"] > raters["mean"]["mae"] - 1


def test_three_raters_one_ceiling_and_two_named_gaps(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "n.db")
    store = open_store(db)
    _seed(store)
    with store.session() as s:
        create_judge(s, "truth", JudgeSpec(prompt="{truth}", scale=SCALE,
                                           model="scripted/field:truth"))
    run = run_judge(store, "truth", "rated").run
    store.close()
    runner = CliRunner()

    def cli(*args: str) -> str:
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        return result.stdout

    agreement = json.loads(cli("agreement", "rated", "--json"))
    report = json.loads(cli("report", str(run), "--format", "json"))
    humans = report["annotators"]
    assert humans["items"] == agreement["items"] == 24
    assert humans["ceiling"] == agreement["ceiling"]  # pass/fail at 50, like the headline
    assert humans["mean_abs_diff_100"] == pytest.approx(agreement["mean_abs_diff_100"])
    assert "judge_vs_majority" not in humans  # the headline is the judge vs the raters' mean
    text = " ".join(cli("report", str(run)).split())
    assert f"rater-to-rater gap {agreement['mean_abs_diff_100']:.1f} on 0–100" in text
    monkeypatch.setenv("EVALIGN_MODEL", "scripted/constant:unused")
    cli("align", "truth", "--dataset", "rated", "--group-by", "question", "--strategy",
        "calibrate")
    out = json.loads(cli("align", "status", "1", "--json"))
    ceiling, cand = out["human_ceiling"], out["raters"]["candidate"]
    assert ceiling["items"] == 24 and ceiling["agreement"] == agreement["ceiling"]
    assert ceiling["mean_abs_diff_100"] == pytest.approx(agreement["mean_abs_diff_100"])
    test_items = out["split"]["test"]
    assert cand["rater_gap_items"] == test_items
    status = " ".join(cli("align", "status", "1").split())
    # the two rater-to-rater gaps, each named by the items it covers
    assert f"raters differ from each other by {cand['rater_gap_100']:.1f} on the {test_items} " \
        "test items with several raters and a candidate score (the ceiling of that gap)" \
        in status
    assert "(on all 24 labeled items with several raters in the alignment's sources, not " \
        "only its test split or sample, 3 annotators; mean rater-to-rater gap " \
        f"{ceiling['mean_abs_diff_100']:.1f} on 0–100 on those items)" in status
