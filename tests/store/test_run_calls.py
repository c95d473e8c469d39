"""`runs.calls`: added to with the verdicts it belongs to, and migration 0005, on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from evalign.judges.spec import Verdict
from evalign.runner.run import create_run
from evalign.store import Store, open_store, repo_runs, resolve_url
from evalign.store import models as m
from evalign.store.migrate import alembic_config
from evalign.store.repo_verdicts import insert_verdicts
from evalign.store.revision import HEAD_REVISION
from tests.store.test_repo_verdicts import _seed


def _calls(store: Store, run_id: int) -> int:
    with store.session() as s:
        return repo_runs.get_run(s, run_id).calls


def test_calls_are_stored_with_their_verdicts_and_survive_beat_and_finish(store: Store) -> None:
    run_id, ids = _seed(store)
    assert _calls(store, run_id) == 0
    assert insert_verdicts(store, run_id, [Verdict("pass", item_id=ids[0]),
                                           Verdict("fail", item_id=ids[1])], [3, 1]) == [True] * 2
    assert _calls(store, run_id) == 4
    # A collision: the duplicate is dropped, but its call was made and still counts.
    again = [Verdict("pass", item_id=ids[0]), Verdict("pass", item_id=ids[2])]
    assert insert_verdicts(store, run_id, again, [2, 5]) == [False, True]
    assert _calls(store, run_id) == 11
    with store.session() as s:
        repo_runs.mark_running(s, run_id, {"sessions": 1})
    with store.session() as s:
        assert repo_runs.beat(s, run_id, {"wall_s": 1.0})
        repo_runs.finish(s, run_id, "completed", error=None, counters={"wall_s": 2.0})
    assert _calls(store, run_id) == 11


def test_a_batch_with_a_call_count_missing_is_refused_whole(store: Store) -> None:
    run_id, ids = _seed(store)
    with pytest.raises(ValueError, match="2 call counts for 1 verdicts"):
        insert_verdicts(store, run_id, [Verdict("pass", item_id=ids[0])], [1, 1])
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count(m.Verdict.id))) == 0
    assert _calls(store, run_id) == 0


def test_a_0004_store_moves_each_runs_calls_into_the_column(db_url: str) -> None:
    store = open_store(db_url)
    run_id, _ = _seed(store)
    other = create_run(store, "j", "d")
    store.close()
    engine = sa.create_engine(resolve_url(db_url))
    with engine.begin() as connection:  # back to 0004: the column gone, the count in JSON
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0004'"))
        connection.execute(sa.text("ALTER TABLE runs DROP COLUMN calls"))
        runs = sa.table("runs", sa.column("id"), sa.column("counters", sa.JSON()))
        connection.execute(sa.update(runs).where(runs.c.id == run_id)
                           .values(counters={"calls": 17, "wall_s": 1.5}))
    engine.dispose()
    store = open_store(db_url)
    with store.engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT version_num FROM alembic_version")) \
            == HEAD_REVISION
    with store.session() as s:
        moved = repo_runs.get_run(s, run_id)
        assert (moved.calls, moved.counters) == (17, {"wall_s": 1.5})
        assert repo_runs.get_run(s, other).calls == 0
    store.close()


def test_a_0004_store_with_a_calls_count_that_is_not_a_number_is_refused(db_url: str) -> None:
    store = open_store(db_url)
    run_id, _ = _seed(store)
    store.close()
    bare = Store(resolve_url(db_url), migrate=False)
    config = alembic_config()
    with bare.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0004'"))
        runs = sa.table("runs", sa.column("id"), sa.column("counters", sa.JSON()))
        connection.execute(sa.update(runs).where(runs.c.id == run_id)
                           .values(counters={"calls": "many"}))
    with pytest.raises(RuntimeError, match="calls='many'"), bare.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    bare.close()
