"""Migration 0002 upgrades a filled 0001 store in place: nothing lost, ids never reused after it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from evalign.errors import NotFoundError
from evalign.store import Store, open_store, resolve_url
from evalign.store import models as m
from evalign.store.content import content_hash
from evalign.store.migrate import alembic_config
from evalign.store.repo_items import delete_dataset, get_dataset
from evalign.store.repo_runs import get_run

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
INPUTS: list[dict[str, Any]] = [
    {"question": "Is an apple a fruit?"}, {"question": "How do I send money?", "n": 2},
    {"question": "Héllo ✓", "nested": {"b": [1, 2], "a": None}}]


def _store_at_0001(url: str) -> None:
    """A store at revision 0001 holding a dataset, labels, a judge, two runs and verdicts."""
    bare = Store(url, migrate=False)
    config = alembic_config()
    with bare.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with bare.engine.begin() as connection:
        tables = sa.MetaData()
        tables.reflect(connection)

        def add(name: str, *rows: dict[str, Any]) -> None:
            connection.execute(sa.insert(tables.tables[name]), list(rows))

        add("datasets", {"id": 1, "name": "d", "description": "", "kind": "single",
                         "source": {"file": "d.csv"}, "created_at": T0})
        add("items", *({"id": 10 + i, "dataset_id": 1, "external_id": f"q{i}", "position": i,
                        "inputs": inputs, "output": f"answer {i}", "output_2": None,
                        "metadata": {"i": i}} for i, inputs in enumerate(INPUTS)))
        add("score_configs", {"id": 1, "spec": "pass_fail", "config": {"kind": "pass_fail"}})
        add("criteria", {"id": 1, "name": "default", "description": "", "score_config_id": 1})
        add("labels", {"id": 5, "item_id": 10, "criterion_id": 1, "annotator": "alice",
                       "value": "pass", "reasoning": "fruit", "resolved": False,
                       "created_at": T0})
        add("judges", {"id": 1, "name": "j", "description": "", "builtin": False,
                       "created_at": T0})
        add("judge_versions", {"id": 1, "judge_id": 1, "version": 1, "kind": "prompt",
                               "prompt": "p", "scale": {}, "model": "m", "params": {},
                               "few_shot": [], "checks": {}, "guidelines": "",
                               "provenance": {"runs": [7]}, "created_at": T0})
        add("runs", *({"id": run, "judge_version_id": 1, "dataset_id": 1, "status": "completed",
                       "model": "m", "params": {}, "repeat": 1, "use_cache": True,
                       "counters": {}, "created_at": T0} for run in (6, 7)))
        add("verdicts", {"id": 3, "run_id": 7, "item_id": 11, "sample": 0, "value": "fail",
                         "reasoning": "", "raw": "FAIL", "checks": [], "attempts": 1,
                         "cached": False, "prompt_tokens": 1, "completion_tokens": 1,
                         "latency_s": 0.1, "created_at": T0})
    bare.close()


def test_upgrade_keeps_every_row_and_fills_in_history_columns(db_url: str) -> None:
    _store_at_0001(resolve_url(db_url))
    store = open_store(db_url)
    try:
        with store.session() as s:
            dataset = get_dataset(s, "d")
            assert (dataset.id, dataset.version, dataset.superseded_at) == (1, 1, None)
            items = s.scalars(sa.select(m.Item).order_by(m.Item.id)).all()
            assert [i.id for i in items] == [10, 11, 12]
            assert [i.inputs for i in items] == INPUTS
            assert [i.content_hash for i in items] == [
                content_hash(i.inputs, i.output, i.output_2) for i in items]
            label = s.get_one(m.Label, 5)
            assert (label.value, label.source, label.reasoning) == ("pass", "unknown", "fruit")
            assert label.updated_at == label.created_at
            assert get_run(s, 7).dataset_id == 1
            assert s.get_one(m.Verdict, 3).value == "fail"
            assert s.get_one(m.JudgeVersion, 1).provenance == {"runs": [7]}
    finally:
        store.close()


def test_after_upgrade_a_deleted_id_is_never_handed_out_again(db_url: str) -> None:
    _store_at_0001(resolve_url(db_url))
    store = open_store(db_url)
    try:
        with store.session() as s:
            deletion = delete_dataset(s, "d", with_runs=True, who="test")
            assert (deletion.run_ids, deletion.items, deletion.verdicts) == ([6, 7], 3, 1)
        with store.session() as s:
            dataset = m.Dataset(name="d", version=2, items=[
                m.Item(external_id="x", position=0, inputs={"question": "new"})])
            run = m.Run(judge_version_id=1, dataset=dataset, model="m")
            s.add_all([dataset, run])
            s.flush()
            assert dataset.id > 1 and dataset.items[0].id > 12 and run.id > 7
        with store.session() as s, pytest.raises(NotFoundError, match="deleted with dataset 'd'"):
            get_run(s, 7)
    finally:
        store.close()


def test_the_migrations_frozen_hash_is_the_librarys() -> None:
    import importlib.util

    from evalign.store.migrate import MIGRATIONS

    spec = importlib.util.spec_from_file_location(
        "m0002", MIGRATIONS / "versions" / "0002_history.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cases: list[dict[str, Any]] = [*INPUTS, {}, {"messages": [{"role": "user", "content": "x"}]}]
    for inputs in cases:
        for output, output_2 in [("a", None), (None, None), ("a", "b")]:
            assert module.content_hash(inputs, output, output_2) == content_hash(
                inputs, output, output_2)

