from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from evalign.store import open_store, resolve_url
from evalign.store.migrate import alembic_config
from evalign.store.revision import HEAD_REVISION, at_head, current_revision


def test_head_revision_is_alembics_head() -> None:
    # Whoever adds a migration must move HEAD_REVISION with it.
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION


def test_fresh_database_has_no_revision_and_is_migrated(db_url: str) -> None:
    engine = sa.create_engine(resolve_url(db_url))
    assert current_revision(engine) is None
    assert not at_head(engine)
    engine.dispose()
    store = open_store(db_url)
    assert current_revision(store.engine) == HEAD_REVISION
    assert at_head(store.engine)
    store.close()
    open_store(db_url).close()  # reopening at head is a no-op


def test_store_behind_head_is_upgraded(tmp_path: Path) -> None:
    store = open_store(tmp_path / "old.db")
    with store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0002'"))
        connection.execute(sa.text("DROP TABLE calibrations"))
    store.close()
    reopened = open_store(tmp_path / "old.db")
    assert at_head(reopened.engine)
    assert "calibrations" in sa.inspect(reopened.engine).get_table_names()
    reopened.close()


def test_opening_a_store_at_head_does_not_import_alembic(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    open_store(db).close()
    code = ("import sys; from evalign.store import open_store; "
            f"open_store({str(db)!r}).close(); print('alembic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
