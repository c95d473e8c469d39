"""One read model: with two annotators who tie on some items, the CLI report, the HTML report,
`/api/runs/N/report`, the run page and the dashboard give the same figures for the same
policy (`consensus` unless told otherwise), and the tied items are counted as cannot-compare
(cause `annotators_tied`)."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app as cli
from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.runner.run import run_judge
from evalign.store import Store, open_store
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_judges import create_judge
from evalign.store.repo_writes import write_dataset
from evalign.web import create_app
from tests.web.helpers import API_HEADERS, Client

# (alice, bob, judge) per item: items 3, 4 and 7 are ties between alice and bob
ITEMS = [("pass", "pass", "pass"), ("fail", "fail", "fail"), ("pass", "pass", "fail"),
         ("pass", "fail", "pass"), ("fail", "pass", "pass"), ("fail", "fail", "pass"),
         ("pass", "pass", "pass"), ("pass", "fail", "fail"), ("fail", "fail", "fail"),
         ("pass", None, "pass")]


def _seed(db: Path) -> Store:
    store = open_store(db)
    rows = []
    for i, (alice, bob, says) in enumerate(ITEMS):
        labels = [LabelIn("default", alice, "alice", f"alice on {i}")]
        if bob is not None:
            labels.append(LabelIn("default", bob, "bob", f"bob on {i}"))
        rows.append(Row(Item({"question": f"Question {i}?", "says": says.upper()},
                             f"Answer {i}.", external_id=f"t{i}"), tuple(labels), i + 1))
    with store.session() as s:
        write_dataset(s, "ties", rows, Criteria(s))
        create_judge(s, "gn", JudgeSpec(prompt="{question} {response}",
                                        model="scripted/field:says"))
    run_judge(store, "gn", "ties")
    return store


@pytest.fixture
def setup(tmp_path: Path) -> tuple[str, Client]:
    db = tmp_path / "ties.db"
    store = _seed(db)
    return str(db), Client(create_app(store, worker=False), **API_HEADERS)


def _cli_json(db: str, *args: str) -> dict[str, Any]:
    done = CliRunner().invoke(cli, ["report", "1", "--format", "json", "--db", db, *args])
    assert done.exit_code == 0, done.output
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def test_cli_and_api_reports_are_the_same_json(setup: tuple[str, Client]) -> None:
    db, client = setup
    for flags, query in (((), ""), (("--policy", "per_label"), "?policy=per_label"),
                         (("--criterion", "default"), "?criterion=default"),
                         (("--policy", "per_label", "--criterion", "default"),
                          "?policy=per_label&criterion=default"),
                         (("--consensus",), "?consensus=true")):  # the older spelling
        api = client.get(f"/api/runs/1/report{query}")
        assert api.status_code == 200, api.text
        assert api.json() == _cli_json(db, *flags)


def test_tied_items_cannot_compare_under_consensus(setup: tuple[str, Client]) -> None:
    db, _ = setup
    labels = _cli_json(db, "--policy", "per_label")
    # per label: 19 labels, each compared; alice+bob on 9 items, alice alone on one
    assert labels["comparisons"] == 19 and labels["cannot_compare"] == 0
    consensus = _cli_json(db)  # the default policy
    assert consensus["run"]["policy"] == "consensus"
    assert consensus["comparisons"] == 7 and consensus["cannot_compare"] == 3
    assert consensus["cannot_compare_causes"]["annotators_tied"] == 3
    # the judge agrees with the consensus on 0, 1, 6, 8, 9 and misses 2 and 5
    assert consensus["agreement"] == pytest.approx(5 / 7)
    policies = labels["policies"]
    assert policies["differ"] and policies["consensus"]["comparisons"] == 7
    assert any("annotators tied" in w for w in consensus["warnings"])


def test_every_surface_gives_the_same_figure(setup: tuple[str, Client], tmp_path: Path) -> None:
    db, client = setup
    for policy, flags in (("per_label", ("--policy", "per_label")), ("consensus", ())):
        report = _cli_json(db, *flags)
        n, rate = report["comparisons"], report["agreement"]
        board = client.get(f"/api/alignment?policy={policy}").json()
        (metric,) = board["metrics"]
        assert (metric["agreement"]["n"], metric["agreement"]["rate"]) == (n, rate)
        assert metric["agreement"]["cannot_compare"] == report["cannot_compare"]
        run = client.get(f"/api/runs/1?policy={policy}").json()["stats"]
        assert (run["agreement"]["n"], run["aligned"]) == (n, rate)
        out = tmp_path / f"{policy}.html"
        done = CliRunner().invoke(cli, ["report", "1", "--format", "html", "--out", str(out),
                                        "--db", db, *flags])
        assert done.exit_code == 0, done.output
        html = unescape(out.read_text())
        assert f"{report['misaligned']} of {n}" in html and f"{100 * rate:.1f}%" in html
        assert f"policy {policy}" in html
        page = unescape(re.sub(r"<[^>]+>", " ", client.get(f"/alignment?policy={policy}").text))
        assert f"{report['misaligned']} out of {n} misaligned" in " ".join(page.split())
    # each page names its policy (consensus by default) and shows the other one's figure
    items = client.get("/api/alignment").json()["metrics"][0]["agreement"]
    assert items["policy"] == "consensus"
    assert (items["other"]["policy"], items["other"]["comparisons"]) == ("per_label", 19)
    assert client.get("/api/runs/1").json()["stats"]["agreement"]["n"] == 7


def test_the_run_page_shows_every_rater_and_the_ties(setup: tuple[str, Client]) -> None:
    _, client = setup
    rows = {r["external_id"]: r for r in client.get("/api/runs/1").json()["rows"]}
    assert rows["t3"]["tied"] and rows["t3"]["human_value"] is None
    assert [(r["annotator"], r["value"]) for r in rows["t3"]["ratings"]] == [
        ("alice", "pass"), ("bob", "fail")]
    assert not rows["t0"]["tied"] and rows["t0"]["human_value"] == "pass"
    page = client.get("/runs/1").text
    assert "tied" in page and "bob" in page
