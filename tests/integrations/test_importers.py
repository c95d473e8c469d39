"""Label Studio, Langfuse and LangSmith exports land with the right annotators and values.

Fixtures in tests/integrations/fixtures follow each tool's documented export shape: Label
Studio's JSON export (tasks with annotations, predictions, cancelled annotations), Langfuse's
trace and score objects (dataType, source ANNOTATION/API/EVAL), LangSmith's run and feedback
objects (feedback_source type app/api/model).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalign.data.sources import import_source
from evalign.errors import DataError
from evalign.store import Store
from evalign.store.repo_items import dataset_exists, get_dataset, iter_items
from evalign.store.repo_labels import labels_for

FIXTURES = Path(__file__).parent / "fixtures"


def stored(store: Store, name: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Items by external id, and labels as {external id: {(criterion, annotator): (value, why)}}."""
    with store.session() as session:
        ds = get_dataset(session, name)
        items = {i.external_id: i for i in iter_items(session, ds.id)}
        ext = {i.id: i.external_id for i in items.values()}
        labels: dict[str, dict[Any, Any]] = {}
        for lab in labels_for(session, ds.id):
            labels.setdefault(ext[lab.item_id], {})[(lab.criterion, lab.annotator)] = (
                lab.value, lab.reasoning)
    return items, labels


def test_labelstudio_classification(sqlite_store: Store) -> None:
    summary = import_source(sqlite_store, FIXTURES / "labelstudio_classification.json", "ls",
                            format="labelstudio")
    assert summary.rows == 3 and summary.labeled == 2 and summary.kind == "single"
    assert "1 cancelled annotations left out" in summary.warnings
    assert "1 model predictions left out" in summary.warnings
    items, labels = stored(sqlite_store, "ls")
    assert items["101"].output == "Paris." and items["101"].inputs == {
        "question": "What is the capital of France?"}
    assert labels["101"] == {("quality", "ann@example.com"): ("pass", "correct and short"),
                             ("quality", "user-7"): ("pass", "")}
    assert labels["102"] == {("quality", "ann@example.com"): ("fail", "")}
    assert "103" not in labels


def test_labelstudio_pairwise(sqlite_store: Store) -> None:
    summary = import_source(sqlite_store, FIXTURES / "labelstudio_pairwise.json", "pairs",
                            format="labelstudio")
    assert summary.kind == "pairwise" and summary.rows == 2
    items, labels = stored(sqlite_store, "pairs")
    assert items["1"].output == "Old pond, frog jumps in" and items["1"].output_2 == "A poem."
    assert items["1"].inputs == {"prompt": "Write a haiku"}
    assert labels["1"] == {("comparison", "user-1"): (1, ""), ("comparison", "user-2"): (2, "")}
    assert labels["2"] == {("comparison", "user-1"): (2, "")}


def test_langfuse_traces_with_scores(sqlite_store: Store) -> None:
    summary = import_source(sqlite_store, FIXTURES / "langfuse_traces.jsonl", "lf",
                            format="langfuse")
    assert summary.rows == 3 and summary.labeled == 2
    assert "1 EVAL scores (LLM-as-a-judge) left out" in summary.warnings
    items, labels = stored(sqlite_store, "lf")
    assert items["tr-1"].inputs == {"question": "Capital of Italy?"}
    assert items["tr-1"].output == "Rome" and items["tr-2"].inputs == {"input": "Capital of Spain?"}
    assert items["tr-1"].metadata["userId"] == "u1"
    assert labels["tr-1"] == {("correctness", "reviewer-1"): ("pass", "right"),
                              ("correctness", "langfuse-api"): ("pass", "thumbs up")}
    assert labels["tr-2"] == {("correctness", "reviewer-1"): ("fail", "Lisbon is Portugal"),
                              ("correctness", "reviewer-2"): ("fail", "")}


def test_langfuse_object_with_categorical_scores(sqlite_store: Store) -> None:
    import_source(sqlite_store, FIXTURES / "langfuse_export.json", "tone", format="langfuse",
                  scale="categorical:rude,polite:polite")
    _items, labels = stored(sqlite_store, "tone")
    assert labels == {"t-a": {("tone", "r1"): ("polite", "")},
                      "t-b": {("tone", "r1"): ("rude", "")}}


def test_langsmith_runs_with_feedback(sqlite_store: Store) -> None:
    summary = import_source(sqlite_store, FIXTURES / "langsmith_export.json", "ls-runs",
                            format="langsmith")
    # The child LLM run has no feedback: only the two root runs become items.
    assert summary.rows == 2
    assert "1 model feedback (online evaluators) left out" in summary.warnings
    items, labels = stored(sqlite_store, "ls-runs")
    first, third = (f"8a1f0c9e-0000-4000-8000-00000000000{n}" for n in (1, 3))
    assert items[first].output == "Shakespeare"
    assert items[first].inputs == {"question": "Who wrote Hamlet?"}
    assert labels[first] == {("correctness", "alice"): ("pass", "yes")}
    assert labels[third] == {("correctness", "alice"): ("fail", "50 C is wrong"),
                             ("correctness", "langsmith-api"): ("fail", "")}


def test_bad_value_names_file_line_and_writes_nothing(sqlite_store: Store,
                                                      tmp_path: Path) -> None:
    lines = (FIXTURES / "langfuse_traces.jsonl").read_text().splitlines()
    lines[1] = lines[1].replace('"value": 0, "stringValue"', '"value": 7, "stringValue"')
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"bad\.jsonl:2: 'correctness' label by 'reviewer-1'"):
        import_source(sqlite_store, bad, "bad", format="langfuse")
    with sqlite_store.session() as session:
        assert not dataset_exists(session, "bad")


def test_orphan_annotation_and_duplicate_are_refused(sqlite_store: Store,
                                                     tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "langsmith_export.json").read_text())
    data["feedback"].append({"id": "f9", "run_id": "nope", "key": "correctness", "score": 1,
                             "feedback_source": {"type": "app", "user_name": "bob"}})
    orphan = tmp_path / "orphan.json"
    orphan.write_text(json.dumps(data))
    with pytest.raises(DataError, match="record nope: 1 annotations name calls"):
        import_source(sqlite_store, orphan, "o", format="langsmith")
    data["feedback"][-1]["run_id"] = data["feedback"][0]["run_id"]
    data["feedback"][-1]["feedback_source"]["user_name"] = "alice"
    twice = tmp_path / "twice.json"
    twice.write_text(json.dumps(data))
    with pytest.raises(DataError, match="'alice' annotated 'correctness' twice"):
        import_source(sqlite_store, twice, "t", format="langsmith")
    tasks = json.loads((FIXTURES / "labelstudio_classification.json").read_text())
    tasks[1]["annotations"][0]["result"][0]["value"]["choices"] = ["Pass", "Fail"]
    multi = tmp_path / "multi.json"
    multi.write_text(json.dumps(tasks, indent=1))
    with pytest.raises(DataError, match=r"multi\.json:\d+: 'quality': expected one choice"):
        import_source(sqlite_store, multi, "m", format="labelstudio")


def test_cli_import_format(tmp_path: Path) -> None:
    from tests.gate.helpers import invoke

    db = str(tmp_path / "e.db")
    code, out = invoke("import", str(FIXTURES / "langsmith_export.json"), "--dataset", "runs",
                       "--format", "langsmith", "--db", db, "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert summary["rows"] == 2 and summary["annotators"] == ["alice", "langsmith-api"]


def test_phoenix_spans_with_annotations(sqlite_store: Store) -> None:
    summary = import_source(sqlite_store, FIXTURES / "phoenix_export.json", "px",
                            format="phoenix", scale="categorical:incorrect,correct:correct")
    # The child LLM span carries no human annotation: only the two root spans are items.
    assert summary.rows == 2 and "1 LLM annotations (evaluations) left out" in summary.warnings
    items, labels = stored(sqlite_store, "px")
    assert items["67f6740bbe1ddc3f"].inputs == {"question": "Largest planet?"}
    assert items["b7ad6b7169203331"].output == "Pluto"
    assert labels["67f6740bbe1ddc3f"] == {("correctness", "VXNlcjox"): ("correct",
                                                                        "Jupiter is right")}
    assert labels["b7ad6b7169203331"] == {("correctness", "reviewer-2"): (
        "incorrect", "Pluto is not a planet")}
