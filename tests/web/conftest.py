"""Fixtures of the web tests: a seeded store and an in-process client of the app over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evalign.store import Store
from evalign.web import create_app
from tests.web.helpers import Client, seed


@pytest.fixture
def seeded(sqlite_store: Store) -> Store:
    """A SQLite store with dataset `demo`, judge `gn` and one completed run."""
    seed(sqlite_store)
    return sqlite_store


@pytest.fixture
def client(seeded: Store) -> Iterator[Client]:
    """The app over `seeded`, without its background worker (tests drive it)."""
    c = Client(create_app(seeded, worker=False))
    yield c
    c.close()
