"""A locked SQLite store: writes retry with backoff to a deadline, then StoreBusy (never raw)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import StoreBusy
from evalign.store import Store, open_store
from evalign.store import models as m
from evalign.store.busy import is_busy


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[tuple[Store, sqlite3.Connection]]:
    """A migrated SQLite store (0.5 s busy timeout) and a second connection holding its lock."""
    store = open_store(tmp_path / "busy.db", busy_timeout_s=0.5)
    holder = sqlite3.connect(tmp_path / "busy.db", isolation_level=None, timeout=0,
                             check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    yield store, holder
    holder.close()
    store.close()


def _add_dataset(session: Session) -> int:
    dataset = m.Dataset(name=f"d{time.monotonic_ns()}")
    session.add(dataset)
    session.flush()
    return dataset.id


def test_write_gives_up_at_its_deadline_with_store_busy(
        locked: tuple[Store, sqlite3.Connection]) -> None:
    store, _ = locked
    started = time.monotonic()
    with pytest.raises(StoreBusy, match=r"the label waited .* not saved; try again") as busy:
        store.write(_add_dataset, what="the label", deadline_s=1.0)
    assert 0.6 < time.monotonic() - started < 4.0
    assert busy.value.retry_after > 0 and busy.value.exit_code == 75


def test_a_plain_session_raises_store_busy_not_a_driver_error(
        locked: tuple[Store, sqlite3.Connection]) -> None:
    store, _ = locked
    with pytest.raises(StoreBusy), store.session() as session:
        _add_dataset(session)


def test_write_retries_until_the_lock_is_released(
        locked: tuple[Store, sqlite3.Connection]) -> None:
    store, holder = locked
    release = threading.Timer(1.5, holder.execute, args=("COMMIT",))
    release.start()
    started = time.monotonic()
    try:
        dataset_id = store.write(_add_dataset, deadline_s=10.0)
    finally:
        release.join()
    assert time.monotonic() - started >= 1.2  # it waited past several one-second tries
    with store.session() as session:
        assert session.get(m.Dataset, dataset_id) is not None
        # the pool's connection is back to the store's own busy timeout
        assert session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 500


def test_only_lock_errors_count_as_busy(tmp_path: Path) -> None:
    store = open_store(tmp_path / "x.db")
    try:
        with pytest.raises(sa.exc.OperationalError) as missing, store.session() as session:
            session.execute(sa.text("SELECT * FROM no_such_table"))
        assert not is_busy(missing.value)
        assert not is_busy(ValueError("database is locked"))
    finally:
        store.close()
