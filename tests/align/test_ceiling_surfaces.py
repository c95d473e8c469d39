"""One human ceiling on every surface: `evalign agreement`, the report (text, JSON, HTML, API),
the alignment outcome and `align status`, and the web alignment page all give the same figure
over the same items: every item with two or more annotators, tied ones included, coded as the
headline agreement is (pass/fail on a star scale)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.runner.run import run_judge
from evalign.scores import ScoreConfig
from evalign.store import Store, open_store, repo_datasets
from evalign.store import models as m
from evalign.store.repo_judges import create_judge
from evalign.store.repo_labels import resolve_label
from evalign.web import create_app
from tests.web.helpers import Client, text_of

STARS = ScoreConfig.parse("stars")


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _ties(store: Store) -> int:
    """Dataset `ties`: 24 items, two annotators who tie on every fourth item (6 items); item 0's
    tie is resolved "fail". Judge `j` always says PASS; returns its benchmark run."""
    rows = []
    for k in range(24):
        label = "pass" if k % 2 else "fail"
        second = "fail" if k % 4 == 0 else label
        first = "pass" if k % 4 == 0 else label
        item = Item({"question": f"q{k}"}, f"answer {k}", external_id=str(k))
        rows.append(Row(item, (LabelIn("default", first, annotator="ann"),
                               LabelIn("default", second, annotator="bob")), k + 1))
    with store.session() as s:
        repo_datasets.write_dataset(s, "ties", rows, repo_datasets.Criteria(s))
        create_judge(s, "j", JudgeSpec(prompt="Pass? {question} {output}",
                                       model="scripted/constant:PASS"))
        first_id = s.query(m.Item.id).filter_by(external_id="0").scalar()
        resolve_label(s, first_id, "default", "fail", adjudicator="judy",
                      as_annotator="judy (adjudication)", dataset="ties")
    return run_judge(store, "j", "ties").run


def _humans_line(text: str) -> str:
    """The report's "humans:" line (the console wraps long lines: whitespace joined)."""
    joined = " ".join(text.split())
    start = joined.index("humans:")
    return joined[start:joined.index("κ", start) + 1]


def test_pass_fail_ties_and_a_resolution_give_one_ceiling(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "e.db")
    store = open_store(db)
    run = _ties(store)
    store.close()
    agreement = json.loads(_cli("agreement", "ties", "--json", "--db", db))
    # 18 of 24 items agree; the 6 tied items count (they are where the humans disagree)
    assert agreement["items"] == 24 and agreement["ceiling"] == pytest.approx(0.75)

    report = json.loads(_cli("report", str(run), "--format", "json", "--db", db))
    humans = report["annotators"]
    assert humans["items"] == 24 and humans["ceiling"] == agreement["ceiling"]
    assert humans["fleiss_kappa"] == pytest.approx(agreement["fleiss_kappa"])
    # under consensus the headline is the judge vs the consensus: no second judge figure
    assert not {"judge_vs_majority", "judge_vs_consensus"} & set(humans)
    assert report["comparisons"] == 19 and report["agreement"] == pytest.approx(12 / 19)
    line = _humans_line(_cli("report", str(run), "--db", db))
    assert line.startswith("humans: ceiling (annotator vs others) 75.0% on the 24 items of "
                           "this run with several raters, 2 annotators · Fleiss κ")
    assert "judge vs" not in line

    # per label: the judge vs the consensus is the consensus headline (the resolved label
    # counts), not a majority of its own (which would leave item 0 out: 12 of 18)
    per_label = json.loads(_cli("report", str(run), "--policy", "per_label", "--format",
                                "json", "--db", db))["annotators"]
    assert per_label["judge_vs_consensus"] == report["agreement"]
    assert per_label["judge_vs_consensus_items"] == 19 and per_label["items"] == 24
    line = _humans_line(_cli("report", str(run), "--policy", "per_label", "--db", db))
    assert "ceiling (annotator vs others) 75.0% on the 24 items of this run with several " \
        "raters, 2 annotators · judge vs consensus 63.2% (19 items)" in line
    html = text_of(_cli("report", str(run), "--format", "html", "--db", db))
    assert "75.0% human ceiling (annotator vs others) on the 24 items of this run with " \
        "several raters" in html
    assert "judge vs" not in html

    monkeypatch.setenv("EVALIGN_MODEL", "scripted/constant:- Be strict.")
    _cli("align", "j", "--dataset", "ties", "--group-by", "question", "--strategy",
         "threshold", "--db", db)
    outcome = json.loads(_cli("align", "status", "1", "--json", "--db", db))
    ceiling = outcome["human_ceiling"]
    # the examples leave the 5 unresolved ties out (18 agreeing + item 0): 18 of 19 agree
    # among those, but the ceiling is over every item with two annotators
    assert ceiling["items"] == 24 and ceiling["agreement"] == agreement["ceiling"]
    status = " ".join(_cli("align", "status", "1", "--db", db).split())
    assert "annotators agree with the majority of the others 75.0% (on all 24 labeled items " \
        "with several raters in the alignment's sources, not only its test split or sample, " \
        "2 annotators)" in status

    store = open_store(db)
    client = Client(create_app(store, worker=False))
    try:
        api = client.get(f"/api/runs/{run}/report").json()["annotators"]
        assert api["items"] == 24 and api["ceiling"] == agreement["ceiling"]
        page = text_of(client.get("/alignment/runs/1").text)
        assert "Human ceiling 75.0% annotator vs the others' majority · on all 24 labeled " \
            "items with several raters in the alignment's sources, not only its test split " \
            "or sample · 2 annotators" in page
        assert "agree with the majority of the others 75.0% on all 24 labeled items" in page
    finally:
        client.close()
        store.close()


def _stars(store: Store) -> tuple[int, list[tuple[int, int]]]:
    """Dataset `stars`: 16 items, two raters on 1–5 stars; judge `s` answers field `truth`."""
    pairs = [(1 + k % 5, min(5, 1 + k % 5 + k % 3)) for k in range(16)]
    rows = []
    for k, (a, b) in enumerate(pairs):
        item = Item({"question": f"q{k}", "truth": str(a)}, f"answer {k}", external_id=str(k))
        rows.append(Row(item, (LabelIn("stars", a, annotator="ann"),
                               LabelIn("stars", b, annotator="bob")), k + 1))
    with store.session() as s:
        repo_datasets.write_dataset(s, "stars", rows, repo_datasets.Criteria(s, STARS))
        create_judge(s, "s", JudgeSpec(prompt="Stars? {question} {output} {truth}", scale=STARS,
                                       model="scripted/field:truth"))
    return run_judge(store, "s", "stars").run, pairs


def test_stars_ceiling_reads_pass_fail_like_the_headline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "s.db")
    store = open_store(db)
    run, pairs = _stars(store)
    store.close()
    assert STARS.threshold == 3
    on_pass = sum((a >= 3) == (b >= 3) for a, b in pairs) / len(pairs)
    exact = sum(a == b for a, b in pairs) / len(pairs)
    gap = sum(abs(a - b) * 25 for a, b in pairs) / len(pairs)
    assert on_pass != exact  # the fixture tells the two codings apart
    agreement = json.loads(_cli("agreement", "stars", "--json", "--db", db))
    report: dict[str, Any] = json.loads(_cli("report", str(run), "--format", "json",
                                             "--db", db))
    humans = report["annotators"]
    for found in (agreement, humans):
        assert found["items"] == 16
        assert found["ceiling"] == pytest.approx(on_pass)
        assert found["mean_abs_diff_100"] == pytest.approx(gap)
    assert "judge_vs_majority" not in humans
    line = _humans_line(_cli("report", str(run), "--db", db))
    assert f"ceiling (annotator vs others) {100 * on_pass:.1f}%" in line
    assert f"rater-to-rater gap {gap:.1f} on 0–100" in line
    monkeypatch.setenv("EVALIGN_MODEL", "scripted/constant:- Be strict.")
    _cli("align", "s", "--dataset", "stars", "--group-by", "question", "--strategy",
         "threshold", "--db", db)
    ceiling = json.loads(_cli("align", "status", "1", "--json", "--db", db))["human_ceiling"]
    assert ceiling["items"] == 16 and ceiling["agreement"] == pytest.approx(on_pass)
    assert ceiling["mean_abs_diff_100"] == pytest.approx(gap)
    status = " ".join(_cli("align", "status", "1", "--db", db).split())
    assert f"the others {100 * on_pass:.1f}% (on all 16 labeled items with several raters " \
        "in the alignment's sources, not only its test split or sample, 2 " \
        f"annotators; mean rater-to-rater gap {gap:.1f} on 0–100 on those items)" in status
