"""Reference fields joined to imported items from a side file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalign.data.importer import import_file
from evalign.errors import ConfigError, DataError
from evalign.store import Store
from evalign.store.repo_datasets import get_dataset
from evalign.store.repo_items import iter_items

ROOT = Path(__file__).resolve().parents[2]
SQUALITY = ROOT.parent / "shared" / "datasets" / "squality_human_eval"


def _items(store: Store, name: str) -> list[dict[str, object]]:
    with store.session() as s:
        return [dict(i.inputs) for i in iter_items(s, get_dataset(s, name).id)]


def test_side_file_adds_fields_by_key_and_warns_for_missing(sqlite_store: Store,
                                                             tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("id,question,response,label\n1,q1,a1,pass\n2,q2,a2,fail\n3,q3,a3,pass\n")
    side = tmp_path / "refs.jsonl"
    side.write_text(json.dumps({"id": 1, "gold": ["x", "y"]}) + "\n"
                    + json.dumps({"id": "2", "gold": "z"}) + "\n")
    summary = import_file(sqlite_store, data, "d", references=side, references_key="id")
    by_q = {i["question"]: i for i in _items(sqlite_store, "d")}
    assert by_q["q1"]["gold"] == "Reference 1:\nx\n\nReference 2:\ny"
    assert by_q["q2"]["gold"] == "z" and "gold" not in by_q["q3"]
    assert any("no reference in refs.jsonl for id = 3" in w for w in summary.warnings)
    assert summary.references is not None
    assert (summary.references.items, summary.references.missing) == (2, 1)


def test_bad_side_files_are_refused_with_their_line(sqlite_store: Store, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("id,question,response,label\n1,q1,a1,pass\n")
    twice = tmp_path / "twice.jsonl"
    twice.write_text('{"id": 1, "gold": "a"}\n{"id": 1, "gold": "b"}\n')
    with pytest.raises(DataError, match=r"twice\.jsonl:2"):
        import_file(sqlite_store, data, "d", references=twice)
    clash = tmp_path / "clash.jsonl"
    clash.write_text('{"id": 1, "question": "other"}\n')
    with pytest.raises(ConfigError, match="already an item field"):
        import_file(sqlite_store, data, "d2", references=clash)
    assert not _dataset_exists(sqlite_store, "d") and not _dataset_exists(sqlite_store, "d2")


def _dataset_exists(store: Store, name: str) -> bool:
    from evalign.errors import NotFoundError

    with store.session() as s:
        try:
            get_dataset(s, name)
        except NotFoundError:
            return False
    return True


@pytest.mark.skipif(not SQUALITY.exists(), reason="../shared/datasets is absent")
def test_squality_items_get_references_but_never_the_human_one(sqlite_store: Store) -> None:
    summary = import_file(sqlite_store, SQUALITY / "public.jsonl", "sq")
    assert summary.references is not None
    assert (summary.references.source, summary.references.items,
            summary.references.missing) == ("stories_public.jsonl", 180, 0)
    with sqlite_store.session() as s:
        items = list(iter_items(s, get_dataset(s, "sq").id))
    assert len(items) == 180 and all("references" in i.inputs for i in items)
    for item in items:
        assert str(item.output).strip() not in str(item.inputs["references"])
    assert all(str(i.inputs["references"]).count("Reference ") == 3 for i in items)
