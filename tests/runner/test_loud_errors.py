"""Errors are counted by cause and said out loud: summary, --json, exit code, failed status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.data.records import LabelIn, Row
from evalign.errors import ContextLengthError, TransientError
from evalign.items import Item
from evalign.providers import GenerateRequest, ScriptedModel
from evalign.runner import run_judge
from evalign.runner.retry import RetryPolicy
from evalign.store import Store, open_store
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_writes import write_dataset
from tests.runner.helpers import TEMPLATE, add_evalsbench, add_judge

FAST = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.001)
GARBLED = "I am unable to evaluate this response."


def _by_row(request: GenerateRequest) -> str:
    """Rows 0-5 answer PASS; 6 says something unreadable; 7 answers nothing; 8 and 9 fail."""
    text = str(request.context["output"])
    row = int(request.context["row"])
    if row == 6:
        return GARBLED
    if row == 7:
        return ""
    if row == 8:
        raise TransientError("judge-m: server error 500")
    if row == 9:
        raise ContextLengthError(f"judge-m: maximum context length is 8192 tokens ({text[:5]})")
    return "PASS"


def _rows(store: Store, n: int = 10) -> None:
    rows = [Row(Item(inputs={"row": str(i)}, output=f"answer {i}", external_id=f"k{i}"),
                (LabelIn("default", "pass"),)) for i in range(n)]
    with store.session() as session:
        write_dataset(session, "rows", rows, Criteria(session))


def test_errors_by_cause_in_the_summary(store: Store) -> None:
    _rows(store)
    add_judge(store, "j", "scripted/x", prompt="Row {row}: {output}")
    summary = run_judge(store, "j", "rows", provider=ScriptedModel(_by_row), policy=FAST)
    assert (summary.status, summary.verdicts, summary.errors) == ("completed", 10, 4)
    counts = summary.error_counts
    assert (counts.total, counts.errors, counts.provider) == (10, 4, 1)
    assert counts.by_kind["context_length"] == 1 and counts.by_kind["transient"] == 1
    assert counts.unreadable + counts.by_kind.get("empty", 0) == 2
    assert (GARBLED, 1) in counts.common_raw
    data = summary.to_dict()
    assert data["error_rate"] == pytest.approx(0.4)
    assert data["error_kinds"] == counts.by_kind
    assert {"raw": GARBLED, "count": 1} in data["common_raw_answers"]


def test_a_run_whose_every_verdict_is_an_error_is_failed(store: Store,
                                                         shared_datasets: Path) -> None:
    add_evalsbench(store, shared_datasets, limit=3)
    add_judge(store, "j", "scripted/x")
    down = ScriptedModel(lambda _request: (_ for _ in ()).throw(TransientError("HTTP 503")))
    summary = run_judge(store, "j", "eb", provider=down, policy=FAST)
    assert (summary.status, summary.errors, summary.verdicts) == ("failed", 3, 3)
    assert summary.error == ("all 3 verdicts are errors (3 provider errors after retries): "
                             f"`evalign run --resume {summary.run} --retry-errors` asks the "
                             "failed calls again once the endpoint answers")


@pytest.fixture
def db(tmp_path: Path, shared_datasets: Path) -> str:
    path = str(tmp_path / "cli.db")
    store = open_store(path)
    add_evalsbench(store, shared_datasets, limit=8)
    store.close()
    return path


def _judge(db: str, tmp_path: Path, name: str, model: str) -> None:
    prompt = tmp_path / "p.txt"
    prompt.write_text(TEMPLATE)
    result = CliRunner().invoke(app, ["judge", "create", name, "--prompt-file", str(prompt),
                                      "--model", model, "--db", db])
    assert result.exit_code == 0, result.output


def test_cli_exits_3_over_the_error_rate_and_says_why(db: str, tmp_path: Path) -> None:
    _judge(db, tmp_path, "vague", "scripted/constant:it depends")
    result = CliRunner().invoke(app, ["run", "vague", "--dataset", "eb", "--db", db])
    assert result.exit_code == 3, result.output
    assert "run 1 failed" in result.stdout
    assert "8 of 8 items have no verdict" in result.stdout
    assert "8 of 8 unreadable or ambiguous" in result.stdout
    assert "commonest unreadable answers: 'it depends' (8x)" in result.stdout
    listed = CliRunner().invoke(app, ["runs", "list", "--db", db, "--json"])
    assert json.loads(listed.stdout)[0]["status"] == "failed"
    shown = json.loads(CliRunner().invoke(app, ["runs", "show", "1", "--db", db,
                                                "--json"]).stdout)
    assert shown["run"]["status"] == "failed" and shown["run"]["unreadable"] == 8


def test_cli_json_counts_and_max_error_rate(db: str, tmp_path: Path) -> None:
    _judge(db, tmp_path, "vague", "scripted/constant:it depends")
    result = CliRunner().invoke(app, ["run", "vague", "--dataset", "eb", "--db", db, "--json",
                                      "--max-error-rate", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["status"], data["errors"], data["unreadable"], data["error_rate"]) == (
        "failed", 8, 8, 1.0)
    assert data["common_raw_answers"] == [{"raw": "it depends", "count": 8}]
    _judge(db, tmp_path, "fine", "scripted/constant:PASS")
    clean = CliRunner().invoke(app, ["run", "fine", "--dataset", "eb", "--db", db])
    assert clean.exit_code == 0 and "no verdict" not in clean.stdout
