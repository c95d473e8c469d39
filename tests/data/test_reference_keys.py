"""Side-file keys nested in objects, a passages file named with --references, and the warning
for rated items imported with no references joined."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evalign.data.importer import import_file
from evalign.errors import ConfigError, DataError
from evalign.store import Store
from evalign.store.repo_datasets import get_dataset
from evalign.store.repo_items import iter_items

EVALIGN = Path(sys.executable).with_name("evalign")
ROOT = Path(__file__).resolve().parents[2]
SQUALITY = ROOT.parent / "shared" / "datasets" / "squality_human_eval"


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _inputs(store: Store, name: str) -> dict[str, dict[str, object]]:
    with store.session() as s:
        return {i.external_id: dict(i.inputs) for i in iter_items(s, get_dataset(s, name).id)}


def _rating(rid: str, passage: str, response: str) -> dict[str, object]:
    return {"id": rid, "passage_id": passage, "question": "What happens?", "response": response,
            "reviews": [{"worker_id": 1, "overall": 60}]}


def _passage(passage: str, refs: list[str]) -> dict[str, object]:
    return {"metadata": {"passage_id": passage, "uid": "u"}, "document": "A story.",
            "questions": [{"question_text": "What happens?", "question_number": 1,
                           "responses": [{"response_text": r} for r in refs]}]}


@pytest.fixture
def apart(tmp_path: Path) -> tuple[Path, Path]:
    """A ratings file in one folder, its passages file in another."""
    ratings = _write(tmp_path / "ratings" / "r.jsonl",
                     [_rating("a", "p1", "a system summary"), _rating("b", "p1", "mine")])
    stories = _write(tmp_path / "stories" / "stories.jsonl",
                     [_passage("p1", ["mine", "theirs", "yours"])])
    return ratings, stories


@pytest.mark.parametrize("key", ["passage_id", "metadata.passage_id"])
def test_a_key_nested_under_metadata_is_found(sqlite_store: Store, tmp_path: Path,
                                              key: str) -> None:
    data = tmp_path / "d.csv"
    data.write_text("id,passage_id,question,response,label\n1,p1,q1,a1,pass\n2,p2,q2,a2,fail\n")
    side = _write(tmp_path / "side.jsonl", [
        {"metadata": {"passage_id": "p1", "uid": "u1"}, "gold": "g1"},
        {"metadata": {"passage_id": "p2"}, "gold": ["x", "y"]}])
    summary = import_file(sqlite_store, data, "d", references=side, references_key=key)
    inputs = _inputs(sqlite_store, "d")
    assert inputs["1"]["gold"] == "g1"
    assert inputs["2"]["gold"] == "Reference 1:\nx\n\nReference 2:\ny"
    assert all("metadata" not in i for i in inputs.values())  # the key's object is not added
    assert summary.references is not None and summary.references.items == 2


def test_a_dotted_path_reaches_any_nested_key(sqlite_store: Store, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("id,doc,question,response,label\n1,d1,q1,a1,pass\n")
    side = _write(tmp_path / "side.jsonl", [{"info": {"ids": {"doc": "d1"}}, "gold": "g1"}])
    import_file(sqlite_store, data, "d", references=side, references_key="info.ids.doc")
    assert _inputs(sqlite_store, "d")["1"]["gold"] == "g1"


def test_a_missing_key_names_the_record_fields_and_the_path_to_use(sqlite_store: Store,
                                                                   tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("id,passage_id,question,response,label\n1,p1,q1,a1,pass\n")
    side = _write(tmp_path / "side.jsonl", [{"meta": {"passage_id": "p1"}, "gold": "g"}])
    with pytest.raises(DataError, match=r"side\.jsonl:1: reference record has no passage_id "
                       r"\(its fields: meta, gold, meta\.passage_id; name a nested field by its "
                       r"path: --references-key meta\.passage_id\)"):
        import_file(sqlite_store, data, "d", references=side, references_key="passage_id")


def test_a_passages_file_named_with_references_is_joined_per_question(
        sqlite_store: Store, apart: tuple[Path, Path]) -> None:
    ratings, stories = apart
    summary = import_file(sqlite_store, ratings, "r", references=stories,
                          references_key="passage_id")
    inputs = _inputs(sqlite_store, "r")
    # "mine" is rated: left out of the references, as in the automatic join
    assert inputs["a"]["references"] == "Reference 1:\ntheirs\n\nReference 2:\nyours"
    assert inputs["b"]["references"] == inputs["a"]["references"]
    assert summary.references is not None
    assert (summary.references.source, summary.references.items) == ("stories.jsonl", 2)
    assert not any("no reference answers joined" in w for w in summary.warnings)


def test_a_passages_file_refuses_another_key(sqlite_store: Store,
                                             apart: tuple[Path, Path]) -> None:
    ratings, stories = apart
    with pytest.raises(ConfigError, match=r"stories\.jsonl is a passages file: .* pass "
                       r"--references-key passage_id"):
        import_file(sqlite_store, ratings, "r", references=stories, references_key="question")


def test_ratings_apart_from_their_passages_warn_first(sqlite_store: Store,
                                                      apart: tuple[Path, Path]) -> None:
    ratings, _ = apart
    summary = import_file(sqlite_store, ratings, "r")
    assert summary.references is None
    assert summary.warnings[0].startswith("no reference answers joined: the items of r.jsonl "
                                          "have a passage_id and a question")
    assert "--references FILE --references-key passage_id" in summary.warnings[0]


def test_no_warning_without_passage_ids_or_with_references(sqlite_store: Store,
                                                           tmp_path: Path) -> None:
    plain = _write(tmp_path / "plain.jsonl", [
        {"id": "a", "question": "q", "response": "r", "reviews": [{"worker_id": 1, "o": 5}]}])
    assert not any("no reference answers" in w
                   for w in import_file(sqlite_store, plain, "p").warnings)
    own = _write(tmp_path / "own.jsonl", [{**_rating("a", "p1", "r"), "references": "x"}])
    assert not any("no reference answers" in w
                   for w in import_file(sqlite_store, own, "o").warnings)


@pytest.mark.skipif(not SQUALITY.exists(), reason="../shared/datasets is absent")
def test_cli_joins_squality_stories_to_ratings_copied_elsewhere(tmp_path: Path) -> None:
    lines = (SQUALITY / "public.jsonl").read_text(encoding="utf-8").splitlines()[:8]
    copied = tmp_path / "elsewhere" / "sq.jsonl"
    copied.parent.mkdir()
    copied.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = str(tmp_path / "a.db")
    alone = subprocess.run([str(EVALIGN), "import", str(copied), "-d", "alone", "--db", db],
                           capture_output=True, text=True, timeout=120, check=False)
    assert alone.returncode == 0, alone.stderr
    assert "warning: no reference answers joined" in " ".join(alone.stdout.split())
    done = subprocess.run(
        [str(EVALIGN), "import", str(copied), "-d", "sq", "--db", db, "--json", "--references",
         str(SQUALITY / "stories_public.jsonl"), "--references-key", "passage_id"],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["references"] == {"source": "stories_public.jsonl",
                                                     "items": 8, "missing": 0}
