"""The ratings (SQuALITY) format honours --map for the item's fields, refuses it for labels and
says which columns stay metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalign.data.importer import import_file
from evalign.errors import ConfigError, DataError, NotFoundError
from evalign.store import Store
from evalign.store.repo_items import get_dataset, iter_items
from evalign.store.repo_labels import labels_for

RECORDS = [
    {"id": "r1", "question": "Plot?", "response": "A sailor returns.", "system": "bart",
     "truth": "Score: 23/100", "reviews": [{"worker_id": 1, "overall": 20},
                                            {"worker_id": 2, "overall": 26}]},
    {"id": "r2", "question": "Plot?", "response": "A sailor leaves.", "system": "human",
     "truth": "Score: 90/100", "reviews": [{"worker_id": 1, "overall": 90}]},
]


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "sq.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return path


def _items(store: Store, name: str) -> list[tuple[dict[str, object], dict[str, object]]]:
    with store.session() as session:
        ds = get_dataset(session, name)
        return [(item.inputs, item.metadata) for item in iter_items(session, ds.id)]


def test_map_makes_a_column_an_input_field(sqlite_store: Store, tmp_path: Path) -> None:
    summary = import_file(sqlite_store, _file(tmp_path), "sq", mapping={"truth": "truth"})
    assert [inputs for inputs, _ in _items(sqlite_store, "sq")] == [
        {"question": "Plot?", "truth": "Score: 23/100"},
        {"question": "Plot?", "truth": "Score: 90/100"}]
    assert [meta for _, meta in _items(sqlite_store, "sq")] == [{"system": "bart"},
                                                                 {"system": "human"}]
    assert summary.warnings[0].startswith("columns 'system' kept as item metadata")
    with sqlite_store.session() as session:
        ds = get_dataset(session, "sq")
        assert len(labels_for(session, ds.id)) == 3


def test_unmapped_columns_are_metadata_and_named(sqlite_store: Store, tmp_path: Path) -> None:
    summary = import_file(sqlite_store, _file(tmp_path), "sq")
    assert _items(sqlite_store, "sq")[0] == (
        {"question": "Plot?"}, {"system": "bart", "truth": "Score: 23/100"})
    assert "columns 'system', 'truth' kept as item metadata" in summary.warnings[0]
    assert "--map system=system" in summary.warnings[0]


def test_map_overrides_output_input_and_id(sqlite_store: Store, tmp_path: Path) -> None:
    import_file(sqlite_store, _file(tmp_path), "sq",
                mapping={"output": "truth", "input": "system", "id": "truth"})
    with sqlite_store.session() as session:
        ds = get_dataset(session, "sq")
        item = next(iter_items(session, ds.id))
    assert (item.output, item.inputs, item.external_id) == (
        "Score: 23/100", {"input": "bart"}, "Score: 23/100")
    assert item.metadata == {"id": "r1", "question": "Plot?", "response": "A sailor returns."}


def test_map_for_labels_or_a_missing_column_is_refused(sqlite_store: Store,
                                                       tmp_path: Path) -> None:
    path = _file(tmp_path)
    for key in ("label", "annotator", "reasoning", "criterion"):
        with pytest.raises(ConfigError, match=f"--map {key}=... does not apply to the ratings"):
            import_file(sqlite_store, path, "sq", mapping={key: "truth"})
    with pytest.raises(DataError, match=r'sq.jsonl:1: "nope" \(mapped with --map truth=nope\)'):
        import_file(sqlite_store, path, "sq", mapping={"truth": "nope"})
    with sqlite_store.session() as session, pytest.raises(NotFoundError):  # nothing written
        get_dataset(session, "sq")
