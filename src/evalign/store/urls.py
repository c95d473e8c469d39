"""Reading a store URL without opening the store: which file a SQLite store lives in."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url


def sqlite_file(store_url: str) -> Path | None:
    """The database file of a SQLite store URL; None for other stores and in-memory SQLite.

    Raises:
        sqlalchemy.exc.ArgumentError: `store_url` is not a database URL.
    """
    url = make_url(store_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database))
    return None
