from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from evalign.store import open_store, resolve_url
from evalign.store.migrate import alembic_config
from evalign.store.models import Dataset, Item


def test_resolve_url_paths_and_postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_url(tmp_path / "x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    assert resolve_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    monkeypatch.setenv("EVALIGN_DB", str(tmp_path / "env.db"))
    assert resolve_url(None).endswith("env.db")
    monkeypatch.delenv("EVALIGN_DB")
    monkeypatch.chdir(tmp_path)
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'evalign.db'}"


def test_store_migrates_on_open_and_reopens(db_url: str) -> None:
    first = open_store(db_url)
    with first.session() as session:
        session.add(Dataset(name="d", items=[Item(external_id="1", position=0, inputs={"q": 1})]))
    first.close()
    second = open_store(db_url)
    with second.session() as session:
        assert session.scalar(sa.select(sa.func.count(Item.id))) == 1
        version = session.execute(sa.text("select version_num from alembic_version")).scalar()
        assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    second.close()


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_store: object) -> None:
    from evalign.store import Store

    assert isinstance(sqlite_store, Store)
    with sqlite_store.session() as session:
        assert session.execute(sa.text("pragma journal_mode")).scalar() == "wal"
        assert session.execute(sa.text("pragma foreign_keys")).scalar() == 1
        session.add(Item(dataset_id=999, external_id="x", position=0, inputs={}))
        with pytest.raises(sa.exc.IntegrityError):
            session.flush()
