from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.errors import UserError
from evalign.store import open_store
from tests.align.helpers import seed_store

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = str(tmp_path / "e.db")
    store = open_store(path)
    seed_store(store)
    store.close()
    monkeypatch.setenv("EVALIGN_MODEL", "scripted/constant:- Be strict about every point.")
    return path


def _invoke(*args: str) -> tuple[int, str]:
    """Exit code and output as `main()` gives them (a `UserError` exits 2 with its message)."""
    result = runner.invoke(app, list(args))
    if isinstance(result.exception, UserError):
        return 2, str(result.exception)
    return result.exit_code, result.output


def test_align_json_status_history_accept(db: str) -> None:
    code, out = _invoke("align", "gn", "--dataset", "bench", "--group-by", "question",
                        "--strategy", "guidelines,threshold", "--rounds", "1", "--db", db,
                        "--json")
    assert code == 0, out
    data = json.loads(out)
    for key in ("run", "status", "split", "disagreements", "agreeing_skipped", "guidelines",
                "baseline", "candidate", "paired", "calls", "prompt_tokens",
                "completion_tokens", "cost_usd", "wall_s"):
        assert key in data, key
    assert data["status"] == "aligned" and data["split"]["test"] == 8
    assert set(data["paired"]) >= {"difference", "difference_ci", "mcnemar_p"}
    run = str(data["run"])
    code, out = _invoke("align", "status", run, "--db", db)
    assert code == 0 and "on the test split" in out and "not significant" in out
    code, out = _invoke("align", "history", "gn", "--db", db, "--json")
    assert code == 0 and json.loads(out)[0]["run"] == data["run"]
    code, out = _invoke("align", "cancel", run, "--db", db)
    assert code == 0 and "aligned" in out
    assert not data["recommended"]
    code, out = _invoke("align", "accept", run, "--db", db, "--json")
    assert code == 2 and "not recommended: the candidate's test agreement" in out
    assert "%" in out and "--force" in out and "nothing was accepted" in out
    code, out = _invoke("align", "accept", run, "--force", "--db", db, "--json")
    assert code == 0 and json.loads(out)["version"] == "gn@2"
    code, out = _invoke("align", "reject", run, "--db", db)
    assert code == 2 and "already accepted" in out
    code, out = _invoke("align", "status", run, "--db", db)
    assert code == 0 and "aligned, accepted as gn@2" in " ".join(out.split())


def test_a_cross_validated_run_says_each_item_was_tested_once(db: str) -> None:
    code, out = _invoke("align", "gn", "--dataset", "bench", "--group-by", "question",
                        "--strategy", "threshold", "--folds", "4", "--db", db)
    assert code == 0, out
    said = " ".join(out.split())
    assert "split: 4-fold cross-validation, each of 32 items tested once (the first fold: " \
        "train" in said


def test_few_disagreements_warn_only_when_guidelines_or_fewshot_run(db: str) -> None:
    code, out = _invoke("align", "gn", "--dataset", "bench", "--group-by", "question",
                        "--strategy", "threshold", "--db", db)
    assert code == 0, out
    assert "disagreements on the training split" not in out and "generic" not in out
    code, out = _invoke("align", "gn", "--dataset", "bench", "--group-by", "question",
                        "--strategy", "guidelines", "--rounds", "1", "--db", db)
    assert code == 0 and "guidelines will be generic" in out


def test_align_refuses_bad_options(db: str) -> None:
    code, out = _invoke("align", "gn", "--db", db)
    assert code == 2 and "--dataset" in out
    code, out = _invoke("align", "gn", "--dataset", "bench", "--strategy", "magic", "--db", db)
    assert code == 2 and "magic" in out
    code, out = _invoke("align", "gn", "--dataset", "bench", "--split", "1,2", "--db", db)
    assert code == 2 and "three positive numbers" in out
    code, out = _invoke("align", "status", "999", "--db", db)
    assert code == 2 and "no alignment run 999" in out


def test_a_grouping_field_the_items_lack_is_refused_before_any_run(db: str) -> None:
    code, out = _invoke("align", "gn", "--dataset", "bench", "--group-by", "nosuchfield",
                        "--strategy", "threshold", "--db", db)
    assert code == 2 and "group by 'nosuchfield'" in out and "have no field" in out
    assert "question" in out  # the fields the items do have
    code, listed = _invoke("align", "history", "gn", "--db", db, "--json")
    assert code == 0 and json.loads(listed) == []


def test_accepting_the_unchanged_base_judge_says_the_version_is_a_copy(db: str) -> None:
    code, out = _invoke("align", "gn", "--dataset", "bench", "--group-by", "question",
                        "--strategy", "threshold", "--db", db, "--json")
    assert code == 0 and json.loads(out)["strategy"] == "base", out
    code, out = _invoke("align", "accept", str(json.loads(out)["run"]), "--force", "--db", db)
    said = " ".join(out.split())
    assert code == 0 and "the candidate was the base judge unchanged" in said
    assert "gn@2 is a copy of gn@1" in said
    code, out = _invoke("align", "gn", "--dataset", "bench", "--group-by", "question",
                        "--strategy", "threshold", "--db", db, "--json")
    code, out = _invoke("align", "accept", str(json.loads(out)["run"]), "--force",
                        "--over-current", "--db", db, "--json")
    assert code == 0 and json.loads(out)["copy_of_base"] is True, out
