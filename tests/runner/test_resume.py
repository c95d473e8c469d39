"""Resume after `kill -9`: the run finishes; no item already done goes to the model again.

Items are told apart by truth + question (each EvalsBench question has a pass and a fail row).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from evalign.errors import ConflictError
from evalign.providers import ScriptedModel
from evalign.providers.base import GenerateRequest
from evalign.runner import resume_run
from evalign.store import Store, open_store
from evalign.store import models as m
from tests.runner.helpers import add_evalsbench, add_judge, verdicts_with_labels

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys, time
from evalign.providers import ScriptedModel
from evalign.runner import run_judge
from evalign.store import open_store

db, log = sys.argv[1], sys.argv[2]

def answer(request):
    with open(log, "a") as handle:
        key = request.context["truth"] + request.context["question"][:40]
        handle.write("first " + key + "\\n")
    time.sleep(0.05)
    return request.context["truth"]

run_judge(open_store(db), "truth", "eb", provider=ScriptedModel(answer), concurrency=2)
"""


def _done_questions(store: Store, run_id: int) -> set[str]:
    query = (sa.select(m.Item.inputs).join(m.Verdict, m.Verdict.item_id == m.Item.id)
             .where(m.Verdict.run_id == run_id))
    with store.session() as session:
        return {inputs["truth"] + inputs["question"][:40] for inputs in session.scalars(query)}


def test_resume_after_sigkill_calls_no_finished_item_again(
        db_url: str, shared_datasets: Path, tmp_path: Path) -> None:
    store = open_store(db_url)
    total = add_evalsbench(store, shared_datasets, limit=40)
    add_judge(store, "truth", "scripted/field:truth")
    log = tmp_path / "calls.log"
    env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    child = subprocess.Popen([sys.executable, "-c", CHILD, db_url, str(log)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if log.exists() and len(log.read_text().splitlines()) >= 12:
            break
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    with store.session() as session:
        run = session.scalars(sa.select(m.Run)).one()
        assert run.status == "running"
    before = _done_questions(store, run.id)
    assert 0 < len(before) < total

    def answer(request: GenerateRequest) -> str:
        with log.open("a") as handle:
            handle.write("resume " + request.context["truth"] + request.context["question"][:40]
                         + "\n")
        return str(request.context["truth"])

    summary = resume_run(store, run.id, provider=ScriptedModel(answer))
    assert (summary.status, summary.verdicts, summary.errors) == ("completed", total, 0)
    resumed = {line.split(" ", 1)[1] for line in log.read_text().splitlines()
               if line.startswith("resume ")}
    assert resumed.isdisjoint(before)
    assert len(resumed) == total - len(before)
    first = [line for line in log.read_text().splitlines() if line.startswith("first ")]
    assert len(first) - len(before) <= 2  # at most the calls in flight at the kill are lost
    assert all(v == label for v, label in verdicts_with_labels(store, run.id))
    store.close()


def test_resume_refuses_a_run_another_live_process_holds(sqlite_store: Store,
                                                        shared_datasets: Path) -> None:
    add_evalsbench(sqlite_store, shared_datasets, limit=2)
    add_judge(sqlite_store, "truth", "scripted/field:truth")
    from evalign.runner.run import create_run

    run_id = create_run(sqlite_store, "truth", "eb")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with sqlite_store.session() as session:
            run = session.get_one(m.Run, run_id)
            run.status = "running"
            run.counters = {"owner": {"host": os.uname().nodename, "pid": sleeper.pid}}
        try:
            resume_run(sqlite_store, run_id, provider=ScriptedModel("field:truth"))
        except ConflictError as exc:
            assert "still running" in str(exc)
        else:
            raise AssertionError("resume of a live run was not refused")
    finally:
        sleeper.kill()
        sleeper.wait()
    summary = resume_run(sqlite_store, run_id, provider=ScriptedModel("field:truth"))
    assert summary.status == "completed"
