"""Choosing the executor: an unknown one, or Ray when it is missing, is refused before any run."""

from __future__ import annotations

import importlib.util

import pytest
import sqlalchemy as sa

from evalign.data.records import Row
from evalign.errors import ConfigError
from evalign.items import Item
from evalign.runner.run import run_judge
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_writes import write_dataset
from tests.runner.helpers import add_judge


def _store_with_judge(store: Store) -> None:
    with store.session() as session:
        write_dataset(session, "ds", [Row(Item(inputs={"question": "q"}, output="a",
                                               external_id="r0"), ())], Criteria(session))
    add_judge(store, "j", "scripted/hash", prompt="Q: {question} A: {output}")


def _runs(store: Store) -> int:
    with store.session() as session:
        return session.scalar(sa.select(sa.func.count(m.Run.id))) or 0


def test_unknown_executor_is_refused_before_a_run_is_made(sqlite_store: Store) -> None:
    _store_with_judge(sqlite_store)
    with pytest.raises(ConfigError, match="unknown executor 'dask': use asyncio or ray"):
        run_judge(sqlite_store, "j", "ds", executor="dask")
    assert _runs(sqlite_store) == 0


def test_ray_without_ray_says_how_to_install_it(sqlite_store: Store,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _store_with_judge(sqlite_store)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "ray" else real(name, *a))
    with pytest.raises(ConfigError, match=r"pip install 'evalign\[ray\]'"):
        run_judge(sqlite_store, "j", "ds", executor="ray")
    assert _runs(sqlite_store) == 0


def test_asyncio_is_the_default(sqlite_store: Store) -> None:
    _store_with_judge(sqlite_store)
    summary = run_judge(sqlite_store, "j", "ds", executor="asyncio")
    assert (summary.status, summary.verdicts) == ("completed", 1)
