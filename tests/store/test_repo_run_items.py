"""Runs restricted to some items (`store.repo_run_items`), and migration 0004, on both backends."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from alembic import command

from evalign.comparisons import load_comparisons
from evalign.errors import ConflictError
from evalign.judges.spec import JudgeSpec
from evalign.runner.run import execute
from evalign.store import Store, open_store, repo_datasets, repo_runs, resolve_url
from evalign.store.migrate import alembic_config
from evalign.store.repo_items import get_dataset
from evalign.store.repo_judges import create_judge
from evalign.store.repo_run_items import (
    item_owners,
    restrict_run,
    run_item_count,
    run_item_ids,
    run_scope,
)
from evalign.store.repo_work import work_page
from evalign.store.revision import HEAD_REVISION
from tests.align.helpers import PROMPT, rows


def _run(store: Store) -> tuple[int, list[int], int]:
    """A pending run of a constant judge on a 16-item dataset: (run, item ids, other ids)."""
    with store.session() as s:
        repo_datasets.write_dataset(s, "d", rows(8), repo_datasets.Criteria(s))
        repo_datasets.write_dataset(s, "e", rows(2), repo_datasets.Criteria(s))
        version = create_judge(s, "j", JudgeSpec(prompt=PROMPT, model="scripted/constant:PASS"))
        dataset = get_dataset(s, "d")
        run = repo_runs.create_run(s, judge_version_id=version.id, dataset_id=dataset.id,
                                   model="scripted/constant:PASS", params={}, repeat=1,
                                   use_cache=False)
        ids = sorted(i.id for i in repo_datasets.iter_items(s, dataset.id) if i.id is not None)
        other = next(i.id for i in repo_datasets.iter_items(s, get_dataset(s, "e").id))
        assert other is not None
        return run.id, ids, other


def test_restricted_run_judges_and_reports_its_items_only(store: Store) -> None:
    run, ids, _ = _run(store)
    kept = ids[1:12:2]
    with store.session() as s:
        assert run_scope(s, run) is None and run_item_ids(s, run) is None
        assert run_item_count(s, run, get_dataset(s, "d").id) == 16
        restrict_run(s, run, kept, {"kind": "test"})
    with store.session() as s:
        assert run_scope(s, run) == {"kind": "test", "items": 6}
        assert run_item_ids(s, run) == set(kept)
        dataset = get_dataset(s, "d").id
        assert run_item_count(s, run, dataset) == 6
        page = work_page(s, run, dataset, after=-1, limit=4)
        assert page is not None and [i.id for i in page.items] == kept[:4]
        owners = item_owners(s, [*kept, 10**9])
        assert set(owners) == set(kept) and all(o.name == "d" and o.current
                                                 for o in owners.values())
    summary = asyncio.run(execute(store, run))
    assert summary.items == summary.verdicts == 6
    loaded = load_comparisons(store, run)
    assert [i.key.id for i in loaded.items] == kept and loaded.pending == 0


def test_restriction_is_fixed_and_within_the_runs_dataset(store: Store) -> None:
    run, ids, other = _run(store)
    with store.session() as s, pytest.raises(ConflictError, match="not in run"):
        restrict_run(s, run, [ids[0], other], {"kind": "test"})
    with store.session() as s, pytest.raises(ConflictError, match="no item"):
        restrict_run(s, run, [], {"kind": "test"})
    with store.session() as s:
        restrict_run(s, run, ids[:2], {"kind": "test"})
    with store.session() as s, pytest.raises(ConflictError, match="items are fixed"):
        restrict_run(s, run, ids, {"kind": "test"})
    with store.session() as s:
        assert run_item_ids(s, run) == set(ids[:2])


def test_a_0003_store_is_upgraded_and_new_runs_are_unrestricted(db_url: str) -> None:
    bare = Store(resolve_url(db_url), migrate=False)
    config = alembic_config()
    with bare.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    bare.close()
    engine = sa.create_engine(resolve_url(db_url))
    inspector = sa.inspect(engine)
    assert "run_items" not in inspector.get_table_names()
    assert "scope" not in {c["name"] for c in inspector.get_columns("runs")}
    engine.dispose()
    store = open_store(db_url)
    with store.engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT version_num FROM alembic_version")) \
            == HEAD_REVISION
    run, _, _ = _run(store)
    with store.session() as s:
        assert run_scope(s, run) is None  # SQL NULL, not JSON null: an unrestricted run
        assert s.scalar(sa.text("SELECT count(*) FROM runs WHERE scope IS NULL")) == 1
    store.close()
