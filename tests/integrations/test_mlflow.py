"""`evalign import mlflow:EXPERIMENT` against a real local MLflow tracking store (SQLite).

The test fills the store through MLflow's own tracing (`@mlflow.trace`) and assessment APIs
(`mlflow.log_feedback`, `mlflow.log_expectation`), then imports it. It needs the `mlflow` extra
(`pip install 'evalign[mlflow]'`) and skips without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evalign.data.sources import import_mlflow
from evalign.errors import DataError, NotFoundError
from evalign.store import Store
from evalign.store.repo_items import dataset_exists
from tests.integrations.test_importers import stored

mlflow = pytest.importorskip("mlflow")


@pytest.fixture
def tracking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A SQLite tracking store with an experiment `support` of three traces."""
    from mlflow.entities import AssessmentSource

    # Write each trace before the next call, so feedback can be logged on it at once.
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("support")

    @mlflow.trace
    def answer(question: str) -> str:
        return {"France": "Paris", "Spain": "Lisbon", "Peru": "Lima"}[question.split()[-1]]

    human = [AssessmentSource(source_type="HUMAN", source_id=who) for who in ("alice", "bob")]
    judge = AssessmentSource(source_type="LLM_JUDGE", source_id="openai:/gpt-4o-mini")
    ids: dict[str, str] = {}
    for country in ("France", "Spain", "Peru"):
        answer(f"capital of {country}")
        ids[country] = mlflow.get_last_active_trace_id()
    mlflow.log_feedback(trace_id=ids["France"], name="correctness", value=True,
                        source=human[0], rationale="Paris is right")
    mlflow.log_feedback(trace_id=ids["France"], name="correctness", value=True, source=human[1])
    mlflow.log_feedback(trace_id=ids["France"], name="correctness", value=False, source=judge,
                        rationale="a judge's guess")
    mlflow.log_feedback(trace_id=ids["Spain"], name="correctness", value=False,
                        source=human[0], rationale="Lisbon is in Portugal")
    mlflow.log_expectation(trace_id=ids["Spain"], name="expected_response", value="Madrid",
                           source=human[1])
    mlflow.set_tracking_uri(previous)
    yield uri


def test_traces_and_human_feedback_land_as_labels(sqlite_store: Store, tracking: str) -> None:
    summary = import_mlflow(sqlite_store, "mlflow:support", "ml", tracking_uri=tracking)
    assert summary.rows == 3 and summary.labeled == 2
    assert summary.annotators == ["alice", "bob"]
    assert any("LLM_JUDGE" in w for w in summary.warnings), summary.warnings
    items, labels = stored(sqlite_store, "ml")
    by_output = {item.output: ext for ext, item in items.items()}
    france, spain = by_output["Paris"], by_output["Lisbon"]
    assert items[france].inputs == {"question": "capital of France"}
    assert items[spain].inputs == {"question": "capital of Spain",
                                   "expected_response": "Madrid"}
    assert labels[france] == {("correctness", "alice"): ("pass", "Paris is right"),
                              ("correctness", "bob"): ("pass", "")}
    assert labels[spain] == {("correctness", "alice"): ("fail", "Lisbon is in Portugal")}


def test_errors_name_the_experiment_or_trace(sqlite_store: Store, tracking: str) -> None:
    with pytest.raises(NotFoundError, match=r"no MLflow experiment 'nope'.*support"):
        import_mlflow(sqlite_store, "mlflow:nope", "x", tracking_uri=tracking)
    with pytest.raises(DataError, match=r"mlflow trace .*: feedback 'correctness' by 'alice'"):
        import_mlflow(sqlite_store, "mlflow:support", "x", tracking_uri=tracking,
                      scale="stars")
    with sqlite_store.session() as session:
        assert not dataset_exists(session, "x")


def test_cli_import_mlflow(tmp_path: Path, tracking: str) -> None:
    import json

    from tests.gate.helpers import invoke

    code, out = invoke("import", "mlflow:support", "--tracking-uri", tracking, "--dataset", "ml",
                       "--db", str(tmp_path / "e.db"), "--json")
    assert code == 0, out
    assert json.loads(out)["annotators"] == ["alice", "bob"]
