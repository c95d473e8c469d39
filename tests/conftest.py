"""Shared fixtures: stores on SQLite and on a real PostgreSQL server started for the session."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalign.store import Store, open_store
from tests import pgserver

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("EVALIGN_SHARED", ROOT.parent / "shared"))
DATASETS = SHARED / "datasets"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer | None]:
    """One PostgreSQL server for the whole session (None when the binaries are missing)."""
    if not pgserver.available():
        if os.environ.get("CI") or os.environ.get("EVALIGN_REQUIRE_PG"):
            pytest.fail("PostgreSQL binaries missing: run `make test`, which installs them")
        yield None
        return
    server = pgserver.PgServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: pgserver.PgServer | None) -> str:
    """A fresh, empty PostgreSQL database URL."""
    if pg_server is None:
        pytest.skip("PostgreSQL is not installed")
    return pg_server.create_database(f"t{os.getpid()}_{next(_counter)}")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "evalign.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated store, on each backend."""
    opened = open_store(db_url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated SQLite store, for tests whose subject is not the database."""
    opened = open_store(tmp_path / "evalign.db")
    yield opened
    opened.close()


@pytest.fixture
def shared_datasets() -> Path:
    """The shared human-labeled datasets folder (../shared/datasets)."""
    if not DATASETS.exists():
        pytest.fail(f"shared datasets not found at {DATASETS}")
    return DATASETS
