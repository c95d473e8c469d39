"""Opening a store: choosing the database from a URL, tuning SQLite, migrating on open.

A plain file path means SQLite; `postgresql://` means PostgreSQL (through psycopg 3). The default
is `evalign.db` in the working directory, overridable with `EVALIGN_DB`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from evalign.errors import ConfigError

DEFAULT_DB = "evalign.db"


def resolve_url(db: str | os.PathLike[str] | None = None) -> str:
    """Turn `--db`, `EVALIGN_DB` or the default into a SQLAlchemy URL."""
    raw = str(db) if db is not None else os.environ.get("EVALIGN_DB") or DEFAULT_DB
    if raw.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + raw.split("://", 1)[1]
    if "://" in raw:
        url = make_url(raw)
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ConfigError(f"unsupported database {raw!r}: use a file path or postgresql://")
        return raw
    if raw == ":memory:":
        return "sqlite://"
    return f"sqlite:///{Path(raw).expanduser().resolve()}"


class Store:
    """A database with evalign's schema; hands out sessions.

    Args:
        url: a SQLAlchemy URL (see `resolve_url`).
        migrate: bring the schema up to date on open (the default).
    """

    def __init__(self, url: str, *, migrate: bool = True):
        self.url = url
        self.engine: Engine = _create_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            from evalign.store.migrate import upgrade

            upgrade(self.engine)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r})"


def open_store(db: str | os.PathLike[str] | None = None, *, migrate: bool = True) -> Store:
    """Open (and migrate) the store named by `db`, `EVALIGN_DB` or the default file."""
    return Store(resolve_url(db), migrate=migrate)


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        if url not in ("sqlite://", "sqlite:///:memory:"):
            Path(make_url(url).database or DEFAULT_DB).parent.mkdir(parents=True, exist_ok=True)
            _create_private(Path(make_url(url).database or DEFAULT_DB))
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    except ModuleNotFoundError as exc:
        raise ConfigError(
            "PostgreSQL needs psycopg: run `pip install 'evalign[postgres]'`"
        ) from exc


def _create_private(path: Path) -> None:
    """Create a new database file only its owner may read (it holds labels and prompts).

    SQLite gives its -wal and -shm files the database file's mode; an existing file is left
    as it is.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
