"""Alignment runs from the web: start, live status, worker, cancel, accept, reject."""

from __future__ import annotations

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
    assert both.status_code == 400 and "--dataset" in both.json()["error"]


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
    assert Worker(seeded).run_once()
    assert client.get(f"/api/alignment/runs/{run_id}").json()["status"] == "aligned"
