"""Alignment runs from the web: start, live status, worker, cancel, accept, reject."""

from __future__ import annotations

import pytest

from evalign.store import Store
from evalign.web.worker import Worker
from tests.web.helpers import Client, text_of

START = {"judge": "gn", "dataset": "demo", "reflection_model": "scripted/constant:- Be strict.",
         "strategies": ["guidelines"], "split": "0.5,0.25,0.25", "group_by": "question",
         "budget_calls": 500}


def test_start_run_accept_makes_a_new_version(client: Client, seeded: Store) -> None:
    made = client.form("/alignment/runs", START)
    assert made.status_code == 303
    run_id = int(made.headers["location"].rsplit("/", 1)[1])
    assert client.get(f"/api/alignment/runs/{run_id}").json()["status"] == "pending"
    assert "pending" in text_of(client.get("/alignment/runs").text)
    assert Worker(seeded).run_once()
    run = client.get(f"/api/alignment/runs/{run_id}").json()
    assert run["status"] == "aligned", run["error"]
    assert run["config"]["group_by"] == "question" and run["config"]["budget_calls"] == 500
    assert set(run["outcome"]) >= {"baseline", "candidate", "paired", "guidelines",
                                   "disagreements", "agreeing_skipped", "prompt_diff"}
    page = text_of(client.get(f"/alignment/runs/{run_id}").text)
    assert "Candidate on test" in page and "Disagreements used" in page and "Accept" in page
    assert client.form(f"/alignment/runs/{run_id}/accept", {}).status_code == 303
    run = client.get(f"/api/alignment/runs/{run_id}").json()
    assert run["decision"] == "accepted" and run["accepted_version"] == "gn@2"
    judge = client.get("/api/judges/gn").json()
    assert judge["judge"]["current_version"] == 2 and judge["versions"][0]["version"] == 2
    again = client.post(f"/api/alignment/runs/{run_id}/reject", json={})
    assert again.status_code == 409


def test_cancel_a_pending_run_twice(client: Client, seeded: Store) -> None:
    run_id = client.post("/api/alignment/runs", json=START).json()["run"]
    assert client.post(f"/api/alignment/runs/{run_id}/cancel", json={}).json()["status"] \
        == "cancelled"
    assert client.post(f"/api/alignment/runs/{run_id}/cancel", json={}).json()["status"] \
        == "cancelled"
    assert not Worker(seeded).run_once()
    assert client.get(f"/api/alignment/runs/{run_id}").json()["status"] == "cancelled"


def test_bad_start_is_a_clear_error(client: Client) -> None:
    bad = client.post("/api/alignment/runs", json={**START, "split": "half"})
    assert bad.status_code == 400 and "bad split" in bad.json()["error"]
    both = client.post("/api/alignment/runs", json={**START, "dataset": ""})
    assert both.status_code == 400 and "dataset: give either dataset" in both.json()["error"]


def test_an_orphaned_alignment_run_starts_over(client: Client, seeded: Store) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from evalign.store import models as m
    from evalign.store.repo_runs import now

    run_id = client.post("/api/alignment/runs", json=START).json()["run"]
    with seeded.session() as s:  # a server died in the middle of it
        s.execute(update(m.AlignmentRun).where(m.AlignmentRun.id == run_id).values(
            status="running", phase="distilling guidelines",
            heartbeat_at=now() - timedelta(hours=1)))
    stalled = client.get(f"/api/alignment/runs/{run_id}").json()["stalled"]
    assert "has stopped" in stalled and f"evalign align cancel {run_id}" in stalled
    assert stalled in text_of(client.get(f"/alignment/runs/{run_id}").text)
    assert "stalled" in text_of(client.get("/alignment/runs").text)
    assert Worker(seeded).run_once()
    run = client.get(f"/api/alignment/runs/{run_id}").json()
    assert run["status"] == "aligned" and run["stalled"] is None


def _three_annotators(store: Store) -> None:
    """Dataset `three`: 24 items, three annotators (cy disagrees on every fourth item)."""
    from evalign.data.records import LabelIn, Row
    from evalign.items import Item
    from evalign.store.repo_criteria import Criteria
    from evalign.store.repo_writes import write_dataset

    rows = []
    for k in range(24):
        label = "pass" if k % 2 else "fail"
        other = label if k % 4 else ("fail" if label == "pass" else "pass")
        says = label.upper() if k % 3 else "PASS"
        item = Item({"question": f"Question {k}?", "says": says}, f"Answer {k}.",
                    external_id=f"t{k}")
        rows.append(Row(item, (LabelIn("default", label, "ann"), LabelIn("default", label, "bob"),
                               LabelIn("default", other, "cy")), k + 1))
    with store.session() as s:
        write_dataset(s, "three", rows, Criteria(s))


def test_run_page_and_api_show_the_human_ceiling(client: Client, seeded: Store) -> None:
    _three_annotators(seeded)
    run_id = client.post("/api/alignment/runs", json={
        **START, "dataset": "three", "strategies": ["threshold"]}).json()["run"]
    assert Worker(seeded).run_once()
    run = client.get(f"/api/alignment/runs/{run_id}").json()
    assert run["status"] == "aligned", run["error"]
    ceiling = run["outcome"]["human_ceiling"]
    assert (ceiling["items"], ceiling["annotators"]) == (24, 3)
    assert ceiling["agreement"] == (1 + 1 + 0.75) / 3  # cy agrees with the others on 3 of 4
    assert ceiling["chance"] == run["outcome"]["trivial_baselines"]["majority"]["agreement"]
    assert ceiling["judge"] == run["outcome"]["candidate"]["agreement"]
    page = client.get(f"/alignment/runs/{run_id}").text
    text = text_of(page)
    assert 'id="ceiling-card"' in page and 'id="human-ceiling"' in page
    assert "Human ceiling 91.7% annotator vs the others' majority · on all 24 labeled items " \
        "with several raters in the alignment's sources, not only its test split or sample · " \
        "3 annotators" in text
    assert ceiling["basis"] == "alignment"
    assert f"chance trivial majority baseline, test {100 * ceiling['chance']:.1f}%" in text
    # the judge copies `says`, wrong on the third of items where it is always PASS
    assert ceiling["judge_position"] == pytest.approx(
        (ceiling["judge"] - ceiling["chance"]) / (ceiling["agreement"] - ceiling["chance"]))
    assert 0 < ceiling["judge_position"] < 1
    assert f"The candidate stands {round(100 * ceiling['judge_position'])}% of the way from " \
        "chance to the human ceiling" in text
    assert 'class="meter"' in page


def test_run_page_shows_each_rater_on_a_numeric_scale(client: Client, seeded: Store) -> None:
    from evalign.data.records import LabelIn, Row
    from evalign.items import Item
    from evalign.judges.spec import JudgeSpec
    from evalign.scores import ScoreConfig
    from evalign.store.repo_criteria import Criteria
    from evalign.store.repo_judges import create_judge
    from evalign.store.repo_writes import write_dataset

    scale = ScoreConfig(kind="numeric", min=0, max=100, threshold=50)
    rows = []
    for k in range(24):
        scores = [10 + (k * 37) % 71 + d for d in (-8, 0, 11)]
        item = Item({"question": f"q{k}", "truth": str(min(100, scores[1] + 20))}, f"a{k}",
                    external_id=str(k))
        rows.append(Row(item, tuple(LabelIn("overall", float(v), annotator=a) for a, v in
                                    zip(("ann", "bob", "cy"), scores, strict=True)), k + 1))
    with seeded.session() as s:
        write_dataset(s, "rated", rows, Criteria(s, scale))
        create_judge(s, "num", JudgeSpec(prompt="{question} {output} {truth}", scale=scale,
                                         model="scripted/field:truth"))
    run_id = client.post("/api/alignment/runs", json={
        **START, "judge": "num", "dataset": "rated", "strategies": ["calibrate"]}).json()["run"]
    assert Worker(seeded).run_once()
    run = client.get(f"/api/alignment/runs/{run_id}").json()
    assert run["status"] == "aligned", run["error"]
    raters = run["outcome"]["raters"]["candidate"]
    assert set(raters["each"]) == {"ann", "bob", "cy"} and raters["raters"] == 3
    page = client.get(f"/alignment/runs/{run_id}").text
    text = text_of(page)
    assert 'id="per-rater"' in page
    from evalign.web.templating import num

    assert f"the raters' mean {raters['mean']['n']} {num(raters['mean']['mae'], 1)}" in text
    for name, row in raters["each"].items():
        assert f"{name} {row['n']} {num(row['mae'], 1)}" in text
    # two rater-to-rater gaps, each named by the items it covers
    gap = run["outcome"]["human_ceiling"]["mean_abs_diff_100"]
    assert "on all 24 labeled items with several raters in the alignment's sources, not only " \
        "its test split or sample (3 annotators); on those items raters differ by " \
        f"{num(gap, 1)} points on 0–100 on average" in text
    test_items = run["outcome"]["split"]["test"]
    assert raters["rater_gap_items"] == test_items
    assert f"raters differ from each other by {num(raters['rater_gap_100'], 1)} on the " \
        f"{test_items} test items with several raters and a candidate score (the ceiling of " \
        "that gap)" in text


def test_run_page_shows_the_order_policy_of_a_pairwise_judge(client: Client,
                                                              seeded: Store) -> None:
    from evalign.data.records import LabelIn, Row
    from evalign.items import Item
    from evalign.judges.spec import JudgeSpec
    from evalign.scores import ScoreConfig
    from evalign.store.repo_criteria import Criteria
    from evalign.store.repo_judges import create_judge
    from evalign.store.repo_writes import write_dataset

    scale = ScoreConfig(kind="pairwise")
    rows = [Row(Item({"question": f"q{k}"}, f"one {k}", output_2=f"two {k}", external_id=str(k)),
                (LabelIn("preference", scale.parse_value(str(1 + k % 2)), "ann"),), k + 1)
            for k in range(16)]
    with seeded.session() as s:
        write_dataset(s, "pairs", rows, Criteria(s, scale))
        create_judge(s, "first", JudgeSpec(prompt="{question}\n{output_1}\n{output_2}",
                                           scale=scale, model="scripted/constant:1"))
    run_id = client.post("/api/alignment/runs", json={
        **START, "judge": "first", "dataset": "pairs", "strategies": ["threshold"]}).json()["run"]
    assert Worker(seeded).run_once()
    order = client.get(f"/api/alignment/runs/{run_id}").json()["outcome"]["order_policy"]
    # "1" in both orders: every answer flips, so "uncertain" would leave nothing decided
    assert order["chosen"] == "tie" and order["validation"]["uncertain"]["decided"] == 0
    text = text_of(client.get(f"/alignment/runs/{run_id}").text)
    assert "where its preference changes, the candidate answers tie : 'uncertain' leaves no " \
        "validation item a verdict" in text
    assert "tie ✓ 0.0% 0.0% 0 of 4 uncertain — 0.0% 4 of 4" in text


def test_the_dialog_passes_sample_split_glossary_and_fixed_checks(client: Client) -> None:
    made = client.form("/alignment/runs", {
        **START, "strategies": ["decompose"], "sample": "12", "rubric_split": "rules",
        "glossary": "mkt: market\n\nARR: annual recurring revenue\n",
        "questions": "- Does the response name the market?\nDoes it cite a source?\n\n"})
    assert made.status_code == 303, made.text
    run_id = int(made.headers["location"].rsplit("/", 1)[1])
    config = client.get(f"/api/alignment/runs/{run_id}").json()["config"]
    assert config["sample"] == 12 and config["rubric_split"] == "rules"
    assert config["glossary"] == {"mkt": "market", "ARR": "annual recurring revenue"}
    assert config["checks"] == {"questions": ["Does the response name the market?",
                                              "Does it cite a source?"]}
    api = client.post("/api/alignment/runs", json={
        **START, "strategies": ["decompose"], "glossary": {"mkt": "market"},
        "questions": ["Is it short?"]})
    assert api.status_code == 201, api.text
    config = client.get(f"/api/alignment/runs/{api.json()['run']}").json()["config"]
    assert config["glossary"] == {"mkt": "market"}
    assert config["checks"] == {"questions": ["Is it short?"]} and config["sample"] is None


@pytest.mark.parametrize(("field", "value", "said"), [
    ("glossary", "mkt: market\nARR annual recurring revenue", "glossary line 2: write one term"),
    ("glossary", "mkt: market\nmkt: marketing", "glossary line 2: 'mkt' is already given"),
    ("rubric_split", "halves", "rubric split is auto, model or rules, not 'halves'"),
    ("sample", 2, "sample: must be greater than or equal to 4, not 2"),
    ("questions", ["", " "], "question 1 is empty or not text"),
    ("questions", "Is it short?", "questions: asked only by the decompose strategy"),
])
def test_a_bad_dialog_field_is_refused_and_starts_nothing(client: Client, field: str,
                                                          value: str, said: str) -> None:
    before = client.get("/api/alignment/runs").json()["runs"]
    refused = client.post("/api/alignment/runs", json={**START, field: value})
    assert refused.status_code in (400, 422) and said in refused.text, refused.text
    assert client.get("/api/alignment/runs").json()["runs"] == before
