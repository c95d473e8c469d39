from __future__ import annotations

import pytest
import sqlalchemy as sa

from evalign.data.records import LabelIn, Row
from evalign.errors import ConflictError, DataError, NotFoundError
from evalign.items import Item
from evalign.scores import ScoreConfig
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_criteria import Criteria, get_or_create_criterion
from evalign.store.repo_items import delete_dataset, get_dataset, iter_items, list_datasets
from evalign.store.repo_label_counts import dataset_annotators, label_balance
from evalign.store.repo_labels import criterion_for, labels_for, upsert_label
from evalign.store.repo_writes import WriteMode, write_dataset


def _rows(n: int, start: int = 0) -> list[Row]:
    return [
        Row(Item({"q": f"q{i}"}, f"a{i}"), (LabelIn("default", "pass" if i % 2 else "fail"),), i)
        for i in range(start, start + n)
    ]


def _write(store: Store, name: str, rows: list[Row], mode: WriteMode = "create") -> None:
    with store.session() as s:
        write_dataset(s, name, rows, Criteria(s), mode=mode, source_name="f.jsonl")


def test_write_list_iterate_and_labels(store: Store) -> None:
    with store.session() as s:
        stats = write_dataset(s, "d", _rows(5), Criteria(s))
    assert (stats.rows, stats.labeled) == (5, 5)
    assert stats.by_criterion["default"] == {"pass": 2, "fail": 3}
    with store.session() as s:
        [summary] = list_datasets(s)
        assert (summary.name, summary.rows, summary.labeled) == ("d", 5, 5)
        ds = get_dataset(s, "d")
        items = list(iter_items(s, ds.id, page=2))
        assert [i.external_id for i in items] == ["1", "2", "3", "4", "5"]
        assert items[0].inputs == {"q": "q0"} and items[0].id is not None
        assert len(labels_for(s, ds.id, "default")) == 5
        assert criterion_for(s, ds.id).name == "default"
        assert label_balance(s, ds.id) == {"default": {"fail": 3, "pass": 2}}
        assert dataset_annotators(s, ds.id) == ["human"]


def test_create_twice_conflicts_append_and_replace(store: Store) -> None:
    _write(store, "d", _rows(3))
    with pytest.raises(ConflictError, match="--append"):
        _write(store, "d", _rows(3))
    _write(store, "d", _rows(2, 3), mode="append")
    with store.session() as s:
        ds = get_dataset(s, "d")
        assert [i.external_id for i in iter_items(s, ds.id)] == ["1", "2", "3", "4", "5"]
    _write(store, "d", _rows(1), mode="replace")
    with store.session() as s:
        assert [(d.rows, d.labeled) for d in list_datasets(s)] == [(1, 1)]


def test_duplicate_id_refused_and_nothing_written(store: Store) -> None:
    rows = [Row(Item({}, "x", external_id="a"), (), 1), Row(Item({}, "y", external_id="a"), (), 2)]
    with pytest.raises(DataError, match=r"f.jsonl:2: duplicate id 'a' \(already used on line 1"):
        _write(store, "d", rows)
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count(m.Item.id))) == 0
        assert s.scalar(sa.select(sa.func.count(m.Dataset.id))) == 0


def test_get_dataset_not_found_lists_names(store: Store) -> None:
    _write(store, "alpha", _rows(1))
    with store.session() as s, pytest.raises(NotFoundError, match="datasets: alpha"):
        get_dataset(s, "beta")


def test_upsert_label_checks_scale_and_updates(store: Store) -> None:
    _write(store, "d", _rows(1))
    with store.session() as s:
        get_or_create_criterion(s, "stars", ScoreConfig.parse("stars"))
        item = next(iter_items(s, get_dataset(s, "d").id))
        assert item.id is not None
        upsert_label(s, item.id, "stars", "4", annotator="ann")
        again = upsert_label(s, item.id, "stars", 5, annotator="ann", reasoning="r")
        assert again.value == 5
        with pytest.raises(DataError, match="must lie in"):
            upsert_label(s, item.id, "stars", 9)
        assert len(labels_for(s, get_dataset(s, "d").id, "stars")) == 1


def test_criterion_scale_conflict(store: Store) -> None:
    with store.session() as s:
        get_or_create_criterion(s, "c", ScoreConfig.parse("pass_fail"))
        with pytest.raises(ConflictError, match="already has scale"):
            get_or_create_criterion(s, "c", ScoreConfig.parse("stars"))


def test_delete_dataset(store: Store) -> None:
    _write(store, "d", _rows(2))
    with store.session() as s:
        delete_dataset(s, "d")
    with store.session() as s:
        assert list_datasets(s) == []
        assert s.scalar(sa.select(sa.func.count(m.Label.id))) == 0
