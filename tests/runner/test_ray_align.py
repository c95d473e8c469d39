"""An alignment run whose judge scoring goes through the Ray executor: the same outcome as in
one process, with the judge's calls made by Ray workers (a local Ray, `local_ray`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ray")

from typer.testing import CliRunner

from evalign.align import (
    AlignConfig,
    execute_alignment,
    get_alignment,
    start_alignment,
)
from evalign.cli.app import app
from evalign.errors import ConfigError
from evalign.store import open_store
from tests.align.helpers import Recorder, as_dict, seed_store

pytestmark = pytest.mark.ray
STRATEGIES = ("guidelines", "fewshot", "threshold", "decompose")
# When it ran, how long, and (for the CLI's run-and-outcome record) with which settings and
# phase timings: everything else must match.
TIMING = ("wall_s", "run", "created_at", "finished_at", "config", "phases")


def _align(db: Path, **settings: Any) -> tuple[dict[str, Any], Recorder, str]:
    store = open_store(db)
    try:
        seed_store(store)
        config = AlignConfig.model_validate({"dataset": "bench", "group_by": "question",
                                             "strategies": STRATEGIES, "rounds": 2,
                                             **settings})
        run_id = start_alignment(store, "gn", config)
        judge = Recorder()
        done = execute_alignment(store, run_id, models={"judge": judge,
                                                        "reflection": Recorder()})
    finally:
        store.close()
    assert done.status == "aligned", done.error
    return as_dict(done.outcome), judge, done.status


def _figures(outcome: dict[str, Any]) -> dict[str, Any]:
    figures = {k: v for k, v in outcome.items() if k not in TIMING}
    figures["per_phase"] = {phase: {k: v for k, v in counts.items() if k != "seconds"}
                            for phase, counts in outcome["per_phase"].items()}
    return figures


def test_alignment_scores_on_ray_with_the_in_process_outcome(local_ray: Any,
                                                             tmp_path: Path) -> None:
    here, here_judge, _ = _align(tmp_path / "here.db")
    there, there_judge, _ = _align(tmp_path / "there.db", executor="ray")
    # The driver's judge object answered nothing on Ray: the workers' copies did.
    assert here_judge.requests and there_judge.requests == []
    assert there["calls"] == here["calls"] > 0
    assert (there["baseline"]["agreement"], there["candidate"]["agreement"]) == (0.5, 1.0)
    assert _figures(there) == _figures(here)


def test_ray_executor_is_stored_with_the_run_and_an_unknown_one_refused(
        tmp_path: Path) -> None:
    store = open_store(tmp_path / "cfg.db")
    try:
        seed_store(store)
        with pytest.raises(ConfigError, match="unknown executor 'spark'"):
            start_alignment(store, "gn", AlignConfig.model_construct(
                dataset="bench", executor="spark"))
        config = AlignConfig(dataset="bench", executor="ray", ray_address="127.0.0.1:6379")
        memory = open_store(":memory:")
        try:
            seed_store(memory)
            with pytest.raises(ConfigError, match="store the workers can open"):
                start_alignment(memory, "gn", config)
        finally:
            memory.close()
        assert config.dump()["executor"] == "ray"
        assert AlignConfig.model_validate(config.dump()) == config
    finally:
        store.close()


def _cli_align(db: Path) -> dict[str, Any]:
    store = open_store(db)
    try:
        seed_store(store)
    finally:
        store.close()
    result = CliRunner().invoke(app, ["align", "gn", "--dataset", "bench", "--group-by",
                                      "question", "--strategy", "guidelines,threshold",
                                      "--rounds", "1", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_cli_align_takes_the_executor_from_evalign_executor(
        local_ray: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALIGN_MODEL", "scripted/constant:- Be strict about every point.")
    here = _cli_align(tmp_path / "here.db")
    monkeypatch.setenv("EVALIGN_EXECUTOR", "ray")
    there = _cli_align(tmp_path / "there.db")
    store = open_store(tmp_path / "there.db")
    try:
        assert get_alignment(store, there["run"]).config["executor"] == "ray"
    finally:
        store.close()
    assert there["status"] == "aligned" and there["calls"] == here["calls"] > 0
    assert _figures(there) == _figures(here)
