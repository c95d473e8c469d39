"""Reference answers joined from a passages file found beside a ratings file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalign.data.importer import import_file
from evalign.data.passages import find_passage_files
from evalign.errors import DataError
from evalign.store import Store
from evalign.store.repo_datasets import get_dataset
from evalign.store.repo_items import iter_items


def _rating(rid: str, passage: str, question: str, response: str) -> dict[str, object]:
    return {"id": rid, "passage_id": passage, "question": question, "response": response,
            "reviews": [{"worker_id": 1, "overall": 60}, {"worker_id": 2, "overall": 40}]}


def _passage(passage: str, questions: dict[str, list[str]]) -> dict[str, object]:
    return {"metadata": {"passage_id": passage}, "document": "A story.",
            "questions": [{"question_text": q, "question_number": n,
                           "responses": [{"worker_id": "w", "response_text": a} for a in refs]}
                          for n, (q, refs) in enumerate(questions.items(), 1)]}


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _inputs(store: Store, name: str) -> dict[str, dict[str, object]]:
    with store.session() as s:
        return {i.external_id: dict(i.inputs) for i in iter_items(s, get_dataset(s, name).id)}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Ratings of two questions of passage p1 and one of p2 (no passage record for p2); a
    person's reference (`mine`) is rated beside a system's output."""
    _write(tmp_path / "ratings.jsonl", [
        _rating("a", "p1", "What happens?", "a system summary"),
        _rating("b", "p1", "What happens?", "  mine\n"),
        _rating("c", "p1", "Who is Ann?", "a sister"),
        _rating("d", "p2", "What happens?", "other"),
    ])
    # any name: the file is found by its structure
    _write(tmp_path / "zz_sources.jsonl", [
        _passage("p1", {"What  happens?": ["mine", "theirs", "yours"], "Who is Ann?": ["x"]}),
    ])
    (tmp_path / "notes.jsonl").write_text('{"metadata": {"other": 1}}\n')
    return tmp_path


def test_passages_file_found_by_structure_and_rated_references_left_out(
        sqlite_store: Store, folder: Path) -> None:
    assert find_passage_files(folder / "ratings.jsonl") == [folder / "zz_sources.jsonl"]
    summary = import_file(sqlite_store, folder / "ratings.jsonl", "r")
    inputs = _inputs(sqlite_store, "r")
    # "mine" is itself rated for that question: left out for every item of it
    assert inputs["a"]["references"] == "Reference 1:\ntheirs\n\nReference 2:\nyours"
    assert inputs["b"]["references"] == inputs["a"]["references"]
    assert inputs["c"]["references"] == "x"
    assert "references" not in inputs["d"]  # no passage record: no field, never an empty one
    assert summary.references is not None
    assert (summary.references.items, summary.references.missing) == (3, 1)
    assert summary.to_dict()["references"] == {"source": "zz_sources.jsonl", "items": 3,
                                               "missing": 1}
    assert any("no reference in zz_sources.jsonl for passage_id = p2" in w
               for w in summary.warnings)


def test_explicit_references_win_over_the_passages_file(sqlite_store: Store,
                                                        folder: Path) -> None:
    side = _write(folder / "side.jsonl", [{"id": "a", "gold": "g"}])
    summary = import_file(sqlite_store, folder / "ratings.jsonl", "r", references=side)
    inputs = _inputs(sqlite_store, "r")
    assert inputs["a"]["gold"] == "g" and all("references" not in i for i in inputs.values())
    assert summary.references is not None
    assert (summary.references.source, summary.references.items) == ("side.jsonl", 1)


def test_a_bad_line_in_the_passages_file_is_refused_with_its_line(sqlite_store: Store,
                                                                 folder: Path) -> None:
    with (folder / "zz_sources.jsonl").open("a") as out:
        out.write('{"metadata": {"passage_id": "p2"}, "questions": "none"}\n')
    with pytest.raises(DataError, match=r"zz_sources\.jsonl:2: not a passage record"):
        import_file(sqlite_store, folder / "ratings.jsonl", "r")


def test_no_passages_file_no_references(sqlite_store: Store, tmp_path: Path) -> None:
    _write(tmp_path / "ratings.jsonl", [_rating("a", "p1", "q", "r")])
    summary = import_file(sqlite_store, tmp_path / "ratings.jsonl", "r")
    assert summary.references is None and "references" not in _inputs(sqlite_store, "r")["a"]
