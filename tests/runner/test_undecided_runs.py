"""Undecided verdicts (a pairwise judge whose answer changed with the order, order policy
`uncertain`) are not errors: not in `evalign run`'s summary or `--max-error-rate`, `runs
list`, the report's `run.errors`, the run's status, nor the web run page; each shows them as
undecided beside the errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.pairwise import combine_orders
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.report.build import run_report
from evalign.runner.run import run_judge
from evalign.runner.summary import Progress
from evalign.scores import ScoreConfig
from evalign.store import Store, open_store, repo_datasets
from evalign.store.repo_judges import create_judge
from evalign.web import create_app
from tests.web.helpers import Client, text_of

PAIRWISE = ScoreConfig(kind="pairwise")
PROMPT = "Which output is better, 1, 2 or tie?\n{input}\n1: {output_1}\n2: {output_2}"
# The scripted judge answers the item's `ans` in both orders: "tie" stays a tie, "1" in both
# orders flips the preference (undecided under `uncertain`), "banana" is unreadable (error).
ANSWERS = ("tie",) * 4 + ("1",) * 4 + ("banana",) * 2
runner = CliRunner()


def _rows() -> list[Row]:
    return [Row(Item({"input": f"task {k}", "ans": ans}, f"first {k}", output_2=f"second {k}",
                     external_id=f"p{k}"), (LabelIn("preference", PAIRWISE.parse_value("1")),),
                k + 1) for k, ans in enumerate(ANSWERS)]


def _seed(store: Store, *, model: str = "scripted/field:ans") -> None:
    with store.session() as s:
        repo_datasets.write_dataset(s, "pairs", _rows(), repo_datasets.Criteria(s, PAIRWISE))
        create_judge(s, "unsure", JudgeSpec(prompt=PROMPT, scale=PAIRWISE, model=model,
                                            checks={"order_disagreement": "uncertain"}))


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "undecided.db")
    store = open_store(path)
    _seed(store)
    store.close()
    return path


def test_run_counts_undecided_apart_and_max_error_rate_ignores_them(db: str) -> None:
    # 2 errors and 4 undecided of 10: 20% errors (not 60%) passes --max-error-rate 0.25
    done = runner.invoke(app, ["run", "unsure", "--dataset", "pairs", "--db", db,
                               "--max-error-rate", "0.25"])
    assert done.exit_code == 0, (done.output, done.exception)
    text = " ".join(done.output.split())
    assert "10 verdicts on 10 items, 2 errors, 4 undecided;" in text, text
    assert "4 of 10 items undecided: the judge's answer changed with the order" in text, text
    assert "2 of 10 items have no verdict:" in text and "2 of 10 unreadable or ambiguous" in text
    # the default 5% still refuses the 2 real errors, and counts only them
    again = runner.invoke(app, ["run", "unsure", "--dataset", "pairs", "--db", db, "--json"])
    assert again.exit_code == 3, again.output
    assert "2 of 10 verdicts are errors (20%), more than --max-error-rate 0.05" in " ".join(
        again.stderr.split())
    summary = json.loads(again.stdout)
    assert (summary["errors"], summary["undecided"], summary["error_rate"]) == (2, 4, 0.2)
    assert summary["error_kinds"] == {"unreadable": 2} and summary["status"] == "completed"
    listed = runner.invoke(app, ["runs", "list", "--db", db], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "2, 4 undecided" in listed.stdout, listed.stdout
    rows = json.loads(runner.invoke(app, ["runs", "list", "--db", db, "--json"]).stdout)
    assert [(r["errors"], r["undecided"]) for r in rows] == [(2, 4), (2, 4)]


def test_report_and_run_page_count_errors_without_the_undecided(sqlite_store: Store) -> None:
    _seed(sqlite_store)
    run_id = run_judge(sqlite_store, "unsure", "pairs").run
    report = run_report(sqlite_store, run_id)
    assert report["run"]["errors"] == 2 and report["run"]["verdicts"] == 10
    assert report["run"]["undecided"] == 4
    causes = report["cannot_compare_causes"]
    assert (causes["errored_verdicts"], causes["undecided_verdicts"]) == (2, 4)
    client = Client(create_app(sqlite_store, worker=False))
    try:
        stats = client.get(f"/api/runs/{run_id}").json()["stats"]
        page = text_of(client.get(f"/runs/{run_id}").text)
        errored = client.get(f"/api/runs/{run_id}?eval=error").json()["rows"]
        undecided = client.get(f"/api/runs/{run_id}?eval=undecided").json()["rows"]
        html = client.get(f"/runs/{run_id}?eval=undecided").text
    finally:
        client.close()
    assert (stats["errors"], stats["undecided"]) == (2, 4)
    assert "2 errors · 4 undecided" in page, page
    assert [r["external_id"] for r in errored] == ["p8", "p9"]
    assert [r["external_id"] for r in undecided] == ["p4", "p5", "p6", "p7"]
    assert all(r["eval_undecided"] and r["eval_error"] for r in undecided)
    assert not any(r["eval_undecided"] for r in errored)
    assert html.count('class="badge warn" title=') == 4 and ">undecided</span>" in html


def test_a_run_left_all_undecided_completes(sqlite_store: Store) -> None:
    _seed(sqlite_store, model="scripted/constant:1")  # "1" in both orders: every item flips
    summary = run_judge(sqlite_store, "unsure", "pairs")
    assert summary.status == "completed" and summary.error is None
    assert (summary.errors, summary.undecided, summary.error_share) == (0, 10, 0.0)
    assert summary.error_counts.to_dict()["undecided"] == 10


def test_live_progress_counts_undecided_apart() -> None:
    live = Progress(total=3)
    live.add(combine_orders(Verdict(value=1), Verdict(value=1), "uncertain"), 2)
    live.add(Verdict(value=None, error="timeout", error_kind="transient"), 1)
    live.add(combine_orders(Verdict(value=1), Verdict(value=2), "uncertain"), 2)
    assert (live.done, live.errors, live.undecided, live.calls) == (3, 1, 1, 5)
