"""A run's model calls after `kill -9` and `--resume`: exactly the calls behind its verdicts.

The child process judges until LIMIT calls have been answered, then holds every further call
open, as a slow endpoint would, and is killed with SIGKILL once the verdicts of the answered
calls are stored. Its heartbeat is pushed out of reach, so nothing but the verdicts' own
transactions can have counted those calls. Some items fail their first attempt (a transient
error, retried), so calls outnumber verdicts. Every call is logged with its item; the run must
report the calls of the items whose verdicts it kept before the kill plus every call of the
resumed session, on every surface that shows the figure.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from evalign.errors import TransientError
from evalign.providers import ScriptedModel
from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.runner import resume_run
from evalign.runner.details import list_run_summaries, run_detail
from evalign.runner.retry import RetryPolicy
from evalign.store import Store, open_store
from evalign.store import models as m
from evalign.web import create_app
from tests.runner.helpers import add_evalsbench, add_judge
from tests.web.helpers import Client

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 15  # calls the child answers before it holds the rest open
CHILD = """
import asyncio, sys
import evalign.runner.run as run_module
from evalign.errors import TransientError
from evalign.providers import ScriptedModel
from evalign.runner import run_judge
from evalign.runner.retry import RetryPolicy
from evalign.store import open_store

run_module.HEARTBEAT_S = 3600.0  # killed between heartbeats, as a real run mostly is
db, log, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])

class Gated(ScriptedModel):
    answered = 0
    seen = set()

    async def generate(self, request):
        if Gated.answered >= limit:
            await asyncio.sleep(3600)  # a call in flight when the process dies
        Gated.answered += 1
        key = request.context["truth"] + request.context["question"][:40]
        fail = key not in Gated.seen and sum(map(ord, key)) % 3 == 0
        Gated.seen.add(key)
        with open(log, "a") as handle:
            handle.write("first " + key + "\\n")
        if fail:
            raise TransientError("flaky first attempt")
        return await super().generate(request)

run_judge(open_store(db), "truth", "eb", provider=Gated(lambda r: r.context["truth"]),
          concurrency=2, policy=RetryPolicy(base_delay=0.001, max_delay=0.01))
"""


def _key(inputs: dict[str, str]) -> str:
    return inputs["truth"] + inputs["question"][:40]


def _stored_keys(store: Store) -> set[str]:
    query = sa.select(m.Item.inputs).join(m.Verdict, m.Verdict.item_id == m.Item.id)
    with store.session() as session:
        return {_key(inputs) for inputs in session.scalars(query)}


def _kill_when_answered_calls_are_stored(child: subprocess.Popen[bytes], store: Store,
                                         log: Path) -> Counter[str]:
    """SIGKILL the child once LIMIT calls are answered and their items' verdicts stored;
    returns the calls logged per item."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) == LIMIT:
            calls = Counter(line.split(" ", 1)[1] for line in lines)
            # An item whose only call failed is retried, and that retry is held open.
            answered = {key for key, n in calls.items()
                        if n == 2 or sum(map(ord, key)) % 3 != 0}
            if _stored_keys(store) == answered:
                break
        time.sleep(0.02)
    else:
        raise AssertionError("the child never reached a quiet point")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    return calls


class _Flaky(ScriptedModel):
    """The resumed session's endpoint: logs every call; some items fail their first try."""

    def __init__(self, log: Path):
        super().__init__(lambda request: str(request.context["truth"]))
        self.log, self.seen = log, set[str]()

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        key = _key(dict(request.context))
        fail = key not in self.seen and sum(map(ord, key)) % 3 == 1
        self.seen.add(key)
        with self.log.open("a") as handle:
            handle.write(f"resume {key}\n")
        if fail:
            raise TransientError("flaky first attempt")
        return await super().generate(request)


def test_calls_after_sigkill_and_resume_are_the_calls_behind_the_verdicts(
        db_url: str, shared_datasets: Path, tmp_path: Path) -> None:
    store = open_store(db_url)
    total = add_evalsbench(store, shared_datasets, limit=40)
    add_judge(store, "truth", "scripted/field:truth")
    log = tmp_path / "calls.log"
    env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    child = subprocess.Popen([sys.executable, "-c", CHILD, db_url, str(log), str(LIMIT)],
                             env=env)
    first = _kill_when_answered_calls_are_stored(child, store, log)
    kept = _stored_keys(store)
    kept_calls = sum(first[key] for key in kept)
    assert 0 < len(kept) < total and kept_calls > len(kept)  # some items needed a retry
    with store.session() as session:
        run = session.scalars(sa.select(m.Run)).one()
        assert run.status == "running"
        run_id = run.id

    summary = resume_run(store, run_id, provider=_Flaky(log),
                         policy=RetryPolicy(base_delay=0.001, max_delay=0.01))

    resumed = [line for line in log.read_text().splitlines() if line.startswith("resume ")]
    assert {line.split(" ", 1)[1] for line in resumed}.isdisjoint(kept)
    expected = kept_calls + len(resumed)
    assert summary.status == "completed" and summary.verdicts == total
    assert summary.calls == expected, (summary.calls, kept_calls, len(resumed))
    assert run_detail(store, run_id)["run"]["calls"] == expected  # evalign runs show
    assert [s.calls for s in list_run_summaries(store)] == [expected]  # evalign runs list
    client = Client(create_app(store, worker=False))
    try:
        header = client.get(f"/api/runs/{run_id}").json()["run"]
    finally:
        client.close()
    assert header["counters"]["calls"] == expected  # the web run page's JSON twin
    store.close()
