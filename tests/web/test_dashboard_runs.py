"""Eval Alignment dashboard, benchmark run page, rerun, compare, New benchmark, worker."""

from __future__ import annotations

from html import unescape

from evalign.store import Store
from evalign.web import create_app
from evalign.web.worker import Worker
from tests.web.helpers import Client, seed, text_of


def test_empty_dashboard_says_what_to_do(sqlite_store: Store) -> None:
    client = Client(create_app(sqlite_store, worker=False))
    page = text_of(client.get("/alignment").text)
    assert "No comparisons available" in page and "annotate at least one item" in page
    seed(sqlite_store, run=False)
    assert "No comparisons available" in text_of(client.get("/alignment").text)


def test_dashboard_figures(client: Client) -> None:
    data = client.get("/api/alignment").json()
    assert data["dataset"] == "demo" and data["criteria"] == ["default"]
    assert data["comparisons"] == 12 and data["annotations"] == 12 and data["contributing"] == 12
    (metric,) = data["metrics"]
    agreement = metric["agreement"]
    assert metric["metric"] == "gn" and agreement["n"] == 12 and agreement["misaligned"] == 3
    assert agreement["confusion"] == {"tp": 5, "fn": 1, "tn": 4, "fp": 2}
    assert agreement["rate"] == 0.75 and 0 < agreement["rate_ci"][0] < 0.75
    assert agreement["kappa"] is not None and agreement["kappa_ci"] is not None
    assert metric["breakdown"]["fp"] == {"fail": 2}
    page = text_of(client.get("/alignment?view=metric").text)
    assert "3 out of 12 misaligned" in page and "too lenient" in page and "κ" in page
    assert "Top metrics by alignment" in page
    assert client.get("/api/alignment?metric=other").json()["metrics"] == []


def test_a_resolution_moves_the_consensus_figure(client: Client) -> None:
    client.post("/api/datasets/demo/resolutions",
                json={"item_id": 2, "annotator": "judy", "value": "pass"})  # judge said PASS
    consensus = client.get("/api/alignment").json()  # the default policy
    assert consensus["policy"] == "consensus"
    assert consensus["metrics"][0]["agreement"]["misaligned"] == 2
    # per label, alice's own FAIL still stands (an adjudication is not one more label); the
    # figure says so and shows the consensus figure beside it, with its n
    labels = client.get("/api/alignment?policy=per_label").json()["metrics"][0]["agreement"]
    assert (labels["policy"], labels["misaligned"]) == ("per_label", 3)
    assert labels["other"]["policy"] == "consensus" and labels["other"]["comparisons"] == 12
    assert labels["other"]["agreement"] == 10 / 12


def test_the_filter_form_ignores_empty_number_boxes(client: Client) -> None:
    form = ("/runs/1?policy=per_label&criterion=default&discrepancy=true&human=&eval="
            "&human_min=&human_max=&eval_min=&eval_max=")
    page = client.get(form)
    assert page.status_code == 200, page.text
    assert "Answer number 4." in text_of(page.text) and "Answer number 0." not in page.text
    assert client.get(form.replace("/runs/1", "/api/runs/1")).json()["page"]["total"] == 3


def test_confusion_cells_link_to_the_filtered_run(client: Client) -> None:
    board = unescape(client.get("/alignment").text)
    assert 'href="/runs/1?policy=consensus&criterion=default&cell=fp"' in board
    fp = client.get("/api/runs/1?cell=fp").json()
    assert [r["external_id"] for r in fp["rows"]] == ["q1", "q7"]
    assert all(r["human_value"] == "fail" and r["eval_value"] == "pass" for r in fp["rows"])
    assert client.get("/api/runs/1?cell=tp").json()["page"]["total"] == 5
    run_page = unescape(client.get("/runs/1").text)
    assert 'href="/runs/1?policy=consensus&criterion=default&cell=fn"' in run_page


def test_run_page_filters_and_breakdown(client: Client) -> None:
    data = client.get("/api/runs/1").json()
    stats = data["stats"]
    assert stats["total"] == 12 and stats["human_reviewed"] == 1.0 and stats["evaluated"] == 1.0
    assert stats["aligned"] == 0.75 and stats["discrepancies"] == 0.25
    assert (stats["eval_higher"], stats["human_higher"], stats["equal"]) == (2, 1, 9)
    only = client.get("/api/runs/1?discrepancy=true").json()
    assert [r["external_id"] for r in only["rows"]] == ["q1", "q4", "q7"]
    high = client.get("/api/runs/1?human_min=50&eval_max=50").json()
    assert [r["external_id"] for r in high["rows"]] == ["q4"]
    assert client.get("/api/runs/1?eval=pending").json()["page"]["total"] == 0
    assert client.get("/api/runs/1?human=pending").json()["page"]["total"] == 0
    page = text_of(client.get("/runs/1?discrepancy=true").text)
    assert "Answer number 4." in page and "Answer number 0." not in page


def test_rerun_runs_in_the_worker_and_compares(client: Client, seeded: Store) -> None:
    created = client.form("/runs/1/rerun", {})
    assert created.status_code == 303 and created.headers["location"] == "/runs/2"
    assert client.get("/api/runs/2").json()["run"]["status"] == "pending"
    assert Worker(seeded).run_once()
    run = client.get("/api/runs/2").json()
    assert run["run"]["status"] == "completed" and run["run"]["parent_run_id"] == 1
    assert [(v["run_id"], v["aligned"]) for v in run["versions"]] == [(1, 0.75), (2, 0.75)]
    compared = client.get("/api/runs/compare?a=1&b=2").json()
    assert compared["paired"]["difference"] == 0.0 and compared["rows"] == []
    assert "Compare" in client.get("/runs/compare?a=1&b=2&all=true").text


def test_cancel_is_idempotent(client: Client) -> None:
    new = client.post("/api/runs/1/rerun", json={}).json()["run"]
    first = client.post(f"/api/runs/{new}/cancel", json={}).json()
    again = client.post(f"/api/runs/{new}/cancel", json={}).json()
    assert first == {"run": new, "status": "cancelled", "cancelled": True}
    assert again["cancelled"] is False
    assert client.post("/api/runs/1/cancel", json={}).json()["status"] == "completed"


def test_new_benchmark_from_a_queue(client: Client, seeded: Store) -> None:
    made = client.post("/api/runs", json={"source": "queue", "judge": "gn", "dataset": "demo"})
    assert made.status_code == 201
    Worker(seeded).run_once()
    assert client.get(f"/api/runs/{made.json()['run']}").json()["run"]["status"] == "completed"


def test_new_benchmark_from_run_outputs_waits_for_labels(client: Client, seeded: Store) -> None:
    made = client.form("/runs", {"source": "run_outputs", "judge": "gn", "run_id": "1",
                                 "new_dataset": "review"})
    run_id = int(made.headers["location"].rsplit("/", 1)[1])
    worker = Worker(seeded)
    assert not worker.run_once()
    assert client.get(f"/api/runs/{run_id}").json()["run"]["status"] == "pending"
    queue = client.get("/api/datasets/review/queue?annotator=zed").json()
    assert queue["total"] == 12 and queue["labeled"] == 0
    while (item := client.get("/api/datasets/review/queue?annotator=zed").json()["item"]):
        client.post("/api/datasets/review/labels",
                    json={"item_id": item["id"], "annotator": "zed", "value": "pass"})
    assert worker.run_once()
    done = client.get(f"/api/runs/{run_id}").json()
    assert done["run"]["status"] == "completed" and done["stats"]["human_reviewed"] == 1.0


def test_new_benchmark_from_generated_outputs(client: Client, seeded: Store) -> None:
    made = client.post("/api/runs", json={
        "source": "generate", "judge": "gn", "dataset": "demo", "new_dataset": "fresh",
        "generate_model": "scripted/constant:A fresh answer.", "system_prompt": "Be brief."})
    assert made.status_code == 201, made.text
    fresh = client.get("/api/datasets/fresh?per_page=1").json()
    assert fresh["items"][0]["output"] == "A fresh answer." and fresh["dataset"]["labeled"] == 0
    assert [c["name"] for c in fresh["criteria"]] == ["default"]
    assert not Worker(seeded).run_once()  # waits for the queue to be labeled
    assert client.get(f"/api/runs/{made.json()['run']}").json()["run"]["status"] == "pending"


def test_a_restarted_server_picks_up_an_orphaned_run(client: Client, seeded: Store) -> None:
    from datetime import timedelta

    from sqlalchemy import delete, update

    from evalign.store import models as m
    from evalign.store.repo_runs import now

    run_id = client.post("/api/runs/1/rerun", json={}).json()["run"]
    with seeded.session() as s:  # as a server killed mid-run leaves it
        s.execute(update(m.Run).where(m.Run.id == run_id).values(
            status="running", heartbeat_at=now() - timedelta(minutes=5),
            counters={"owner": {"host": "gone-host", "pid": 1}}))
        s.execute(delete(m.Verdict).where(m.Verdict.run_id == run_id))
    assert Worker(seeded).run_once()
    done = client.get(f"/api/runs/{run_id}").json()
    assert done["run"]["status"] == "completed" and done["stats"]["evaluated"] == 1.0


def test_worker_command_runs_pending_work(client: Client, seeded: Store) -> None:
    from typer.testing import CliRunner

    from evalign.cli.app import app as cli

    run_id = client.post("/api/runs/1/rerun", json={}).json()["run"]
    db = seeded.url.removeprefix("sqlite:///")
    result = CliRunner().invoke(cli, ["worker", "--once", "--db", db])
    assert result.exit_code == 0, result.output
    assert client.get(f"/api/runs/{run_id}").json()["run"]["status"] == "completed"


def test_per_metric_bars_carry_the_annotation_breakdown(client: Client) -> None:
    page = client.get("/alignment?view=metric").text
    assert "<title>gn: 7 PASS verdicts; human annotations behind them:" in page
    assert "FP: fail ×2" in page
    aggregate = client.get("/alignment").text
    assert "<title>Human FAIL comparisons; annotations behind them: fail ×6</title>" in aggregate


def test_criteria_are_separate_tabs(client: Client) -> None:
    client.get("/api/datasets/demo/queue?annotator=alice&criterion=tone")  # adds the criterion
    assert client.post("/api/datasets/demo/labels", json={
        "item_id": 1, "annotator": "alice", "criterion": "tone", "value": "pass"}
                       ).status_code == 200
    data = client.get("/api/alignment").json()
    assert data["criteria"] == ["default", "tone"] and data["criterion"] == "default"
    tone = client.get("/api/alignment?criterion=tone").json()
    assert tone["criterion"] == "tone" and tone["metrics"] == []  # gn judges "default" only
    assert [r["metric"] for r in data["metrics"]] == ["gn"]
    assert client.get("/api/runs/1").json()["run"]["criterion"] == "default"
    page = client.get("/alignment").text
    assert 'aria-label="Annotation criteria"' in page and "criterion=tone" in page


def test_pairwise_runs_align_on_the_choice(sqlite_store: Store) -> None:
    from evalign.data.records import LabelIn, Row
    from evalign.items import Item
    from evalign.judges.spec import JudgeSpec
    from evalign.runner.run import run_judge
    from evalign.scores import ScoreConfig
    from evalign.store.repo_criteria import Criteria
    from evalign.store.repo_judges import create_judge
    from evalign.store.repo_writes import write_dataset

    rows = [Row(Item({"input": f"task {i}"}, f"first {i}", f"second {i}", external_id=f"p{i}"),
                (LabelIn("preference", 1 if i % 2 else 2, "ann"),), i + 1) for i in range(8)]
    with sqlite_store.session() as s:
        write_dataset(s, "pairs", rows, Criteria(s, ScoreConfig.parse("pairwise")),
                      kind="pairwise")
        create_judge(s, "pref", JudgeSpec(prompt="{input}\nA: {output_1}\nB: {output_2}",
                                          scale=ScoreConfig.parse("pairwise"),
                                          model="scripted/constant:1"))
    run_judge(sqlite_store, "pref", "pairs")
    client = Client(create_app(sqlite_store, worker=False))
    run = client.get("/api/runs/1").json()
    # "1" in both orders is position bias: the swap check makes every verdict a tie (0),
    # which matches no human choice
    assert {r["eval_value"] for r in run["rows"]} == {0}
    assert run["stats"]["agreement"]["n"] == 8 and run["stats"]["aligned"] == 0.0
    # no pass/fail grid of zeros: the preferences, humans against the judge
    prefs = run["stats"]["agreement"]["preferences"]
    assert run["stats"]["agreement"]["confusion"] is None
    assert prefs["human"] == {"1": 4, "2": 4, "0": 0} and prefs["judge"] == {"1": 0, "2": 0, "0": 8}
    assert prefs["grid"]["1"]["0"] == 4 and prefs["grid"]["2"]["0"] == 4
    board = client.get("/api/alignment").json()
    assert board["pairwise"] and board["comparisons"] == 8
    (metric,) = board["metrics"]
    assert metric["agreement"]["preferences"] == prefs and metric["agreement"]["misaligned"] == 8
    assert metric["breakdown"] == {"h1j0": {"1": 4}, "h2j0": {"2": 4}}
    page = text_of(client.get("/alignment").text)
    assert "Preferences" in page and "output 1 output 2 tie" in page
    assert 'href="/runs/1?policy=consensus&criterion=preference&cell=h1j0"' in \
        unescape(client.get("/alignment").text)
    tie_cell = client.get("/api/runs/1?cell=h1j0").json()
    assert tie_cell["page"]["total"] == 4
    assert "Output 1 better" in client.get("/datasets/pairs/queue?annotator=x").text
    client.close()


def test_failed_checks_of_a_decomposed_verdict_are_shown(client: Client, seeded: Store) -> None:
    from sqlalchemy import update

    from evalign.store import models as m

    checks = [{"question": "Does it name <alpha>?", "passed": True, "p_yes": 0.9},
              {"question": "Does it name beta?", "passed": False, "p_yes": 0.1}]
    with seeded.session() as s:
        s.execute(update(m.Verdict).where(m.Verdict.item_id == 2).values(checks=checks))
    row = client.get("/api/runs/1").json()["rows"][1]
    assert row["failed_checks"] == ["Does it name beta?"]
    page = client.get("/runs/1").text
    assert "Failed checks:" in page and "Does it name beta?" in page
