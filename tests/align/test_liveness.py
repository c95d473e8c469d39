"""A live alignment run keeps beating its heartbeat from a thread; a run whose process stopped
is said to be stalled on every surface (library, `align status`, `--json`, `align history`)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from sqlalchemy import update
from typer.testing import CliRunner

from evalign.align.liveness import ALIGNMENT_STALE, Pulse, stall_note
from evalign.cli.app import app
from evalign.judges.spec import JudgeSpec
from evalign.store import Store, open_store
from evalign.store import models as m
from evalign.store import repo_alignment_runs as repo
from evalign.store.repo_judges import create_judge
from evalign.store.repo_runs import aware, now


def _running(store: Store, silent_for: timedelta) -> int:
    """A running alignment run whose last heartbeat was `silent_for` ago."""
    with store.session() as s:
        info = create_judge(s, "j", JudgeSpec(prompt="Is {output} fine?", model="scripted/x"))
        run_id = repo.create_alignment_run(s, judge_version_id=info.id, config={"seed": 1},
                                           sources={"datasets": ["d"], "runs": []},
                                           phases=["loading annotations"])
    with store.session() as s:
        assert repo.claim_alignment(s, run_id)
        s.execute(update(m.AlignmentRun).where(m.AlignmentRun.id == run_id).values(
            heartbeat_at=now() - silent_for))
    return run_id


def _beat(store: Store, run_id: int) -> timedelta:
    with store.session() as s:
        beat = aware(repo.get_alignment_run(s, run_id).heartbeat_at)
    assert beat is not None
    return now() - beat


def test_the_pulse_beats_while_the_block_runs_and_stops_after(sqlite_store: Store) -> None:
    run_id = _running(sqlite_store, timedelta(hours=1))
    with Pulse(sqlite_store, run_id, every_s=0.05) as pulse:
        time.sleep(0.5)
        assert _beat(sqlite_store, run_id) < timedelta(seconds=5)
    assert not pulse._thread.is_alive()


def test_an_in_memory_store_gets_no_pulse_thread() -> None:
    store = open_store(":memory:")
    with Pulse(store, 1, every_s=0.01) as pulse:
        assert not pulse._thread.is_alive()


def test_a_silent_running_run_is_stalled_and_only_then(sqlite_store: Store) -> None:
    run_id = _running(sqlite_store, timedelta(minutes=12))
    with sqlite_store.session() as s:
        run = repo.get_alignment_run(s, run_id)
    note = stall_note(run)
    assert note is not None and "has stopped" in note and "12 min ago" in note
    assert f"evalign align cancel {run_id}" in note and "evalign worker --once" in note
    beat = aware(run.heartbeat_at)
    assert beat is not None
    assert stall_note(run, at=beat + ALIGNMENT_STALE - timedelta(seconds=1)) is None
    with sqlite_store.session() as s:
        cancelled = repo.cancel_alignment_run(s, run_id)
    assert stall_note(cancelled) is None


def test_align_status_and_history_say_a_run_stalled(sqlite_store: Store) -> None:
    run_id = _running(sqlite_store, timedelta(minutes=30))
    db = sqlite_store.url.removeprefix("sqlite:///")
    runner = CliRunner()
    shown = runner.invoke(app, ["align", "status", str(run_id), "--db", db])
    assert shown.exit_code == 0 and "stalled: the process running" in shown.output
    data = json.loads(runner.invoke(app, ["align", "status", str(run_id), "--db", db,
                                          "--json"]).output)
    assert data["status"] == "running" and "30 min ago" in data["stalled"]
    listed = runner.invoke(app, ["align", "history", "j", "--db", db], env={"COLUMNS": "200"})
    assert "running (stalled)" in listed.output
    rows = json.loads(runner.invoke(app, ["align", "history", "j", "--db", db,
                                          "--json"]).output)
    assert rows[0]["stalled"] == data["stalled"]
