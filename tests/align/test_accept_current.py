"""Accepting an alignment of a version that is no longer current is refused unless asked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign.align import AlignConfig, accept_alignment, execute_alignment, start_alignment
from evalign.cli.app import app
from evalign.errors import ConflictError
from evalign.judges.spec import JudgeSpec
from evalign.store import Store, open_store
from evalign.store.repo_judges import add_version, resolve
from tests.align.helpers import PROMPT, Recorder, seed_store

V2 = JudgeSpec(prompt=PROMPT + "\nBe strict.", model="scripted/constant:PASS")


def _aligned_v1_then_v2(store: Store) -> int:
    """An aligned run of gn@1; then gn@2 is saved and made current."""
    seed_store(store)
    config = AlignConfig(dataset="bench", group_by="question", strategies=("guidelines",),
                         rounds=1)
    run_id = start_alignment(store, "gn@1", config)
    done = execute_alignment(store, run_id, models={"judge": Recorder(),
                                                    "reflection": Recorder()})
    assert done.status == "aligned", done.error
    with store.session() as s:
        assert add_version(s, "gn", V2, make_current=True).version == 2
    return run_id


def test_accepting_over_a_newer_current_version_is_refused(store: Store) -> None:
    run_id = _aligned_v1_then_v2(store)
    with pytest.raises(ConflictError) as refused:
        accept_alignment(store, run_id, force=True)
    said = str(refused.value)
    assert f"alignment run {run_id} aligned gn@1, but gn@2 is the judge's current" in said
    assert "drop what gn@2 changed" in said and "--over-current" in said
    assert "nothing was accepted" in said
    with store.session() as s:
        current = resolve(s, "gn")
    assert current.version == 2 and current.spec.prompt == V2.prompt  # untouched


def test_over_current_accepts_and_records_what_it_replaced(store: Store) -> None:
    run_id = _aligned_v1_then_v2(store)
    done = accept_alignment(store, run_id, force=True, over_current=True)
    assert done.accepted_version == "gn@3"
    with store.session() as s:
        current = resolve(s, "gn")
    assert current.version == 3
    assert current.provenance["from"] == "gn@1" and current.provenance["replaced"] == "gn@2"


def test_the_cli_refuses_and_names_the_option(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALIGN_MODEL", "scripted/constant:- Be strict about every point.")
    db = str(tmp_path / "e.db")
    store = open_store(db)
    run_id = _aligned_v1_then_v2(store)
    store.close()
    runner = CliRunner()
    refused = runner.invoke(app, ["align", "accept", str(run_id), "--force", "--db", db])
    assert isinstance(refused.exception, ConflictError)
    assert "gn@1" in str(refused.exception) and "gn@2" in str(refused.exception)
    taken = runner.invoke(app, ["align", "accept", str(run_id), "--force", "--over-current",
                                "--db", db, "--json"])
    assert taken.exit_code == 0, taken.output
    assert json.loads(taken.output)["version"] == "gn@3"
