"""How the ratings format reads each field of a review: never a rating dropped without a word."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evalign.data.importer import import_file
from evalign.errors import DataError, NotFoundError
from evalign.store import Store
from evalign.store.repo_datasets import get_dataset
from evalign.store.repo_labels import labels_for

EVALIGN = Path(sys.executable).with_name("evalign")


def _file(tmp_path: Path, *reviews: dict[str, object]) -> Path:
    path = tmp_path / "r.jsonl"
    record = {"id": "v", "question": "q", "response": "x", "reviews": list(reviews)}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def _labels(store: Store, name: str) -> list[tuple[str, str, object, str]]:
    with store.session() as s:
        found = labels_for(s, get_dataset(s, name).id)
        return sorted((lab.annotator, lab.criterion, lab.value, lab.reasoning) for lab in found)


def _absent(store: Store, name: str) -> bool:
    with store.session() as s:
        try:
            get_dataset(s, name)
        except NotFoundError:
            return True
    return False


def test_a_numeric_text_is_a_rating_and_a_comment_its_reasoning(sqlite_store: Store,
                                                                tmp_path: Path) -> None:
    path = _file(tmp_path, {"worker_id": 1, "overall": "80", "correctness": " 35 ",
                            "Comment": "too long"},
                 {"worker_id": "2", "overall": 70.5})
    summary = import_file(sqlite_store, path, "r")
    assert summary.labeled == 1
    assert _labels(sqlite_store, "r") == [
        ("worker_1", "correctness", 35.0, "too long"), ("worker_1", "overall", 80.0, "too long"),
        ("worker_2", "overall", 70.5, "")]


def test_null_or_empty_means_not_rated(sqlite_store: Store, tmp_path: Path) -> None:
    path = _file(tmp_path, {"worker_id": 1, "overall": None, "correctness": "", "selection": 5})
    import_file(sqlite_store, path, "r")
    assert _labels(sqlite_store, "r") == [("worker_1", "selection", 5.0, "")]


@pytest.mark.parametrize(("raw", "message"), [
    ("high", r'r\.jsonl:1: "reviews\[0\]\.overall" must be a number, got \'high\'.*rater '
             r"worker_7; write the rating as a number, or null"),
    ("N/A", r'r\.jsonl:1: "reviews\[0\]\.overall" \(rater worker_7\) is \'N/A\', which stands '
            "for no rating: write null"),
    (True, r'r\.jsonl:1: "reviews\[0\]\.overall" \(rater worker_7\) is true, not a rating on '
           "numeric:0:100:50: write the rating as a number, or import with --scale pass_fail"),
    ([80], r"\(rater worker_7\) is a list, not one rating"),
    ({"v": 80}, r"\(rater worker_7\) is an object, not one rating"),
    ("150", r"must lie in \[0, 100\], got 150.*rater worker_7"),
    # float() reads these as 10 and 80; no rater wrote them as numbers
    ("1_0", r"must be a number, got '1_0'.*rater worker_7"),
    ("\u0668\u0660", r"must be a number, got .*rater worker_7"),
])
def test_an_unreadable_rating_is_refused_and_nothing_written(
        sqlite_store: Store, tmp_path: Path, raw: object, message: str) -> None:
    path = _file(tmp_path, {"worker_id": 7, "overall": raw})
    with pytest.raises(DataError, match=message):
        import_file(sqlite_store, path, "r")
    assert _absent(sqlite_store, "r")


def test_a_boolean_is_a_rating_on_a_pass_fail_scale(sqlite_store: Store, tmp_path: Path) -> None:
    import_file(sqlite_store, _file(tmp_path, {"worker_id": 1, "ok": True}), "r",
                scale="pass_fail")
    assert _labels(sqlite_store, "r") == [("worker_1", "ok", "pass", "")]


@pytest.mark.parametrize(("reviews", "message"), [
    (({"worker_id": None, "overall": 5},), r'"reviews\[0\]\.worker_id" is null, not a rater id'),
    (({"worker_id": " ", "overall": 5},), r'"reviews\[0\]\.worker_id" is " ", not a rater id'),
    (({"worker_id": [1], "overall": 5},), r'"reviews\[0\]\.worker_id" is \[1\], not a rater id'),
    (({"worker_id": 1, "overall": 5}, {"overall": 6}),
     r"reviews\[1\] names no rater .* while other reviews of the record do"),
])
def test_an_unreadable_or_missing_rater_is_refused(sqlite_store: Store, tmp_path: Path,
                                                   reviews: tuple[dict[str, object], ...],
                                                   message: str) -> None:
    with pytest.raises(DataError, match=r"r\.jsonl:1: " + message):
        import_file(sqlite_store, _file(tmp_path, *reviews), "r")
    assert _absent(sqlite_store, "r")


def test_raters_are_named_by_position_only_when_no_review_names_one(sqlite_store: Store,
                                                                    tmp_path: Path) -> None:
    import_file(sqlite_store, _file(tmp_path, {"overall": 5}, {"overall": 6}), "r")
    assert [lab[0] for lab in _labels(sqlite_store, "r")] == ["reviewer_1", "reviewer_2"]


def _evalign(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EVALIGN), *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_cli_refuses_a_word_rating_with_its_line(tmp_path: Path) -> None:
    path = _file(tmp_path, {"worker_id": 1, "overall": "80"}, {"worker_id": 2, "overall": "high"})
    db = str(tmp_path / "a.db")
    done = _evalign("import", str(path), "--dataset", "sq", "--db", db)
    assert done.returncode == 2 and done.stdout == ""
    assert 'r.jsonl:1: "reviews[1].overall" must be a number' in done.stderr
    assert "rater worker_2" in done.stderr
    listed = _evalign("datasets", "list", "--json", "--db", db)
    assert json.loads(listed.stdout) == []
