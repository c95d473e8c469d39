"""Cancelling an alignment run whose judge scores on Ray (a local Ray, `local_ray`): the run ends
cancelled, its Ray workers and shared limiter are ended, and no judge call is made after."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray")

from evalign.align import (  # noqa: E402
    AlignConfig,
    cancel_alignment,
    execute_alignment,
    get_alignment,
    start_alignment,
)
from evalign.providers.base import GenerateRequest, GenerateResult  # noqa: E402
from evalign.providers.scripted import ScriptedModel  # noqa: E402
from evalign.store import open_store  # noqa: E402
from tests.align.helpers import Recorder, check_answer, seed_store  # noqa: E402

pytestmark = pytest.mark.ray
ACTORS = (b"ray::ScoreWorker", b"ray::SharedLimiter")


class SlowJudge(ScriptedModel):
    """The scripted judge, `seconds` per call, each call logged as one line of `log` (a file:
    its copies run in Ray's worker processes)."""

    def __init__(self, log: Path, seconds: float):
        super().__init__(check_answer)
        self.log, self.seconds = str(log), seconds

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        with open(self.log, "a", encoding="utf-8") as out:
            out.write("call\n")
        await asyncio.sleep(self.seconds)
        return await super().generate(request)


def _calls(log: Path) -> int:
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def _actor_processes() -> list[int]:
    """Live processes of this module's kinds of actor (Ray titles them `ray::Class…`)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(ACTORS):
                pids.append(int(entry.name))
    return pids


def _wait(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_cancel_stops_an_alignment_scored_on_ray_and_ends_its_workers(
        local_ray: Any, tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    store = open_store(tmp_path / "cancel.db")
    out: dict[str, Any] = {}
    try:
        seed_store(store)
        config = AlignConfig.model_validate({
            "dataset": "bench", "group_by": "question", "strategies": ["guidelines"],
            "rounds": 3, "executor": "ray"})
        run_id = start_alignment(store, "gn", config)
        models = {"judge": SlowJudge(log, seconds=0.5), "reflection": Recorder()}

        def work() -> None:
            try:
                out["run"] = execute_alignment(store, run_id, models=models)
            except BaseException as exc:
                out["error"] = exc

        thread = threading.Thread(target=work)
        thread.start()
        _wait(lambda: _calls(log) >= 8, "the judge was never called on Ray")
        assert _actor_processes(), "the judge's calls run in Ray actors"
        assert cancel_alignment(store, run_id).status == "cancelled"
        thread.join(timeout=180)
        assert not thread.is_alive(), "the run did not stop"
        assert "error" not in out, out.get("error")
        stored = get_alignment(store, run_id)
    finally:
        store.close()
    assert out["run"].status == stored.status == "cancelled"
    assert stored.outcome is None
    assert "cancelled" in {phase.status for phase in stored.phases.values()}
    # The workers and the shared limiter were ended (not left holding the cluster's CPUs),
    # and nothing calls the judge any more.
    _wait(lambda: not _actor_processes(), "Ray actors of the cancelled run still alive", 60)
    _wait(lambda: ray.available_resources().get("CPU") == ray.cluster_resources()["CPU"],
          "the workers' CPUs were not given back", 60)
    calls = _calls(log)
    time.sleep(1.0)
    assert _calls(log) == calls
