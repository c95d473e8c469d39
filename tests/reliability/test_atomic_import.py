"""Imports are atomic: a bad line anywhere leaves nothing behind and is named file:line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from evalign import DataError
from evalign.data.importer import import_file
from evalign.store import Store
from evalign.store import models as m


def _counts(store: Store) -> tuple[int, int, int]:
    with store.session() as session:
        return (session.scalar(sa.select(sa.func.count(m.Dataset.id))) or 0,
                session.scalar(sa.select(sa.func.count(m.Item.id))) or 0,
                session.scalar(sa.select(sa.func.count(m.Label.id))) or 0)


def _lines(n: int) -> list[str]:
    return [json.dumps({"id": f"r{i}", "question": f"q{i}", "response": f"a{i}",
                        "target": "pass" if i % 2 else "fail"}) for i in range(n)]


@pytest.mark.parametrize("bad", ['{"id": "broken", "question": ', '["not", "an", "object"]'])
def test_a_bad_last_line_writes_nothing(store: Store, tmp_path: Path, bad: str) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join([*_lines(1200), bad]) + "\n")
    with pytest.raises(DataError) as caught:
        import_file(store, path, "atomic")
    assert "rows.jsonl" in str(caught.value) and "1201" in str(caught.value)
    assert _counts(store) == (0, 0, 0)


def test_a_bad_label_mid_file_writes_nothing(store: Store, tmp_path: Path) -> None:
    lines = _lines(600)
    lines[450] = json.dumps({"id": "odd", "question": "q", "response": "a", "target": "maybe"})
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError):
        import_file(store, path, "atomic", scale="pass_fail")
    assert _counts(store) == (0, 0, 0)


def test_a_failed_replace_keeps_the_old_dataset(store: Store, tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(_lines(30)) + "\n")
    import_file(store, good, "keep")
    before = _counts(store)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([*_lines(10), "{oops"]) + "\n")
    with pytest.raises(DataError):
        import_file(store, bad, "keep", mode="replace")
    assert _counts(store) == before == (1, 30, 30)
