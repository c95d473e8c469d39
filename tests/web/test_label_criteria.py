"""A label goes on a criterion the dataset has: one stray label cannot invent a criterion,
and a pairwise run stays compared with its pairwise labels whatever else gets labeled.

Seen on a pairwise dataset: a label posted without `criterion` used to create a pass/fail
`default` criterion, after which the run's report compared on `default` (0 comparisons),
`evalign agreement` switched to it and the adjudication page showed `default` (open 0).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from evalign.cli.app import app as cli
from evalign.comparisons import load_comparisons
from evalign.data.records import LabelIn, Row
from evalign.errors import CriterionChoiceError
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.runner.run import run_judge
from evalign.scores import ScoreConfig
from evalign.store import Store, open_store
from evalign.store import models as m
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_judges import create_judge
from evalign.store.repo_writes import write_dataset
from evalign.web import create_app
from tests.web.helpers import Client

PAIRWISE = ScoreConfig.parse("pairwise")


def _pairs(db: Path) -> Store:
    """Dataset `pairs`: 8 pairwise items, ann and bob disagree on items 0 and 4; a run on it."""
    store = open_store(db)
    rows = [Row(Item({"input": f"task {i}"}, f"first {i}", f"second {i}", external_id=f"p{i}"),
                (LabelIn("preference", 1, "ann"),
                 LabelIn("preference", 2 if i % 4 == 0 else 1, "bob")), i + 1)
            for i in range(8)]
    with store.session() as s:
        write_dataset(s, "pairs", rows, Criteria(s, PAIRWISE), kind="pairwise")
        create_judge(s, "pref", JudgeSpec(prompt="{input}\nA: {output_1}\nB: {output_2}",
                                          scale=PAIRWISE, model="scripted/constant:1"))
    run_judge(store, "pref", "pairs")
    return store


def _criteria(store: Store) -> list[str]:
    with store.session() as s:
        return sorted(s.scalars(sa.select(m.Criterion.name)))


def test_a_stray_label_is_refused_and_creates_no_criterion(tmp_path: Path) -> None:
    store = _pairs(tmp_path / "p.db")
    client = Client(create_app(store, worker=False))
    before = _criteria(store)
    stray = client.post("/api/datasets/pairs/labels",
                        json={"item_id": 1, "value": "pass", "annotator": "zed"})
    assert stray.status_code == 400 and "on 'preference'" in stray.json()["error"]
    named = client.post("/api/datasets/pairs/labels", json={
        "item_id": 1, "criterion": "default", "value": "pass", "annotator": "zed"})
    assert named.status_code == 404
    assert "has no criterion 'default'" in named.json()["error"]
    assert "?criterion=default&scale=" in named.json()["error"]
    skip = client.post("/api/datasets/pairs/skips",
                       json={"item_id": 1, "criterion": "tone", "annotator": "zed"})
    assert skip.status_code == 404
    assert _criteria(store) == before
    ok = client.post("/api/datasets/pairs/labels",
                     json={"item_id": 1, "value": 2, "annotator": "zed"})
    assert ok.status_code == 200 and ok.json()["criterion"] == "preference"


def test_the_only_criterion_is_the_default_of_adjudication(tmp_path: Path) -> None:
    store = _pairs(tmp_path / "p.db")
    client = Client(create_app(store, worker=False))
    view = client.get("/api/datasets/pairs/disagreements").json()
    assert view["criterion"]["name"] == "preference" and view["open"] == 2
    assert "Adjudication · preference" in client.get("/datasets/pairs/adjudicate").text
    missing = client.get("/api/datasets/pairs/disagreements?criterion=default")
    assert missing.status_code == 404 and "default" not in _criteria(store)


def test_a_second_criterion_leaves_the_pairwise_run_on_its_own(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    store = _pairs(db)
    client = Client(create_app(store, worker=False))
    # the queue is where a criterion is added; then labels on it are accepted
    assert client.get("/api/datasets/pairs/queue?annotator=zed&criterion=default"
                      "&scale=pass_fail").status_code == 200
    assert client.post("/api/datasets/pairs/labels", json={
        "item_id": 1, "criterion": "default", "value": "pass", "annotator": "zed"}
                       ).status_code == 200
    several = client.post("/api/datasets/pairs/labels",
                          json={"item_id": 2, "value": 1, "annotator": "zed"})
    assert several.status_code == 400 and several.json()["kind"] == "CriterionChoiceError"
    assert client.get("/api/datasets/pairs/disagreements").status_code == 400

    # a pass/fail criterion cannot compare with the pairwise judge: the rule passes it over
    loaded = load_comparisons(store, 1, policy="per_label")
    assert loaded.criterion == "preference" and len(loaded.comparisons) == 16
    assert client.get("/api/runs/1").json()["run"]["criterion"] == "preference"
    report = CliRunner().invoke(cli, ["report", "1", "--db", str(db)])
    assert report.exit_code == 0 and "criterion preference" in report.stdout

    # a dataset's own statistics have no judge to choose with: name the criterion
    agreement = CliRunner().invoke(cli, ["agreement", "pairs", "--db", str(db)])
    refused = agreement.exception
    assert isinstance(refused, CriterionChoiceError) and refused.exit_code == 2
    assert refused.choices == ["default", "preference"]
    named = CliRunner().invoke(cli, ["agreement", "pairs", "--criterion", "preference",
                                     "--json", "--db", str(db)])
    assert named.exit_code == 0 and '"criterion": "preference"' in named.stdout
