"""Opening a store: choosing the database from a URL, tuning SQLite, migrating on open.

A plain file path means SQLite; `postgresql://` means PostgreSQL (through psycopg 3). The default
is `evalign.db` in the working directory, overridable with `EVALIGN_DB`. A SQLite file is created
(with its folders) only when the caller says so (`create=True`): a mistyped path must not quietly
open a new, empty store where the user expects their data.

A locked database (SQLite's single writer busy, e.g. during a long import) never escapes as a
raw driver error: `Store.write` retries the whole transaction with backoff until its deadline,
and both it and `Store.session` raise `StoreBusy` once the wait is over.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from evalign.errors import ConfigError, NotFoundError
from evalign.store.busy import Backoff, busy_error, is_busy
from evalign.store.revision import at_head

DEFAULT_DB = "evalign.db"
DEFAULT_BUSY_TIMEOUT_S = 60.0
"""How long a transaction waits for SQLite's write lock before `StoreBusy`."""
ATTEMPT_WAIT_S = 1.0
"""How long one try of `Store.write` lets SQLite wait for the lock before backing off."""

T = TypeVar("T")


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


MEMORY_URLS = ("sqlite://", "sqlite:///:memory:")
"""The URLs of an in-memory SQLite database."""


class Store:
    """A database with evalign's schema; hands out sessions.

    Args:
        url: a SQLAlchemy URL (see `resolve_url`).
        migrate: bring the schema up to date on open (the default).
        busy_timeout_s: how long a transaction waits for a locked SQLite database before
            `StoreBusy` (and the default deadline of `write`).
        create: create a SQLite file that does not exist yet (with its folders).

    Raises:
        NotFoundError: a SQLite file that does not exist, and `create` is False.
    """

    def __init__(self, url: str, *, migrate: bool = True,
                 busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S, create: bool = True):
        self.url = url
        self.busy_timeout_s = busy_timeout_s
        self.engine: Engine = _create_engine(url, busy_timeout_s, create=create)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate and not at_head(self.engine):
            # Alembic loads only when there is something to migrate (it costs more than most
            # commands take).
            from evalign.store.migrate import upgrade

            upgrade(self.engine)

    @property
    def in_memory(self) -> bool:
        """Whether the database lives in this process only (no other process can open it)."""
        return self.url in MEMORY_URLS

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error.

        Raises:
            StoreBusy: the database stayed locked for `busy_timeout_s`; nothing was written.
        """
        started = time.monotonic()
        try:
            with self._sessions() as session, session.begin():
                yield session
        except OperationalError as exc:
            if is_busy(exc):
                raise busy_error("the transaction", time.monotonic() - started) from exc
            raise

    def write(self, work: Callable[[Session], T], *, what: str = "the change",
              deadline_s: float | None = None) -> T:
        """Run `work(session)` in one transaction, retrying it while the database is locked.

        Each try waits at most `ATTEMPT_WAIT_S` for SQLite's lock; between tries it backs off
        (exponentially, with jitter) until the deadline. `work` must be safe to run again: it
        runs from the start in a fresh transaction each time.

        Args:
            work: reads and writes through the session; its result is returned.
            what: names the change in the `StoreBusy` message ("the label", ...).
            deadline_s: how long to keep trying (default `busy_timeout_s`).

        Raises:
            StoreBusy: still locked at the deadline; nothing was written.
        """
        backoff = Backoff(self.busy_timeout_s if deadline_s is None else deadline_s)
        pauses = backoff.pauses()
        while True:
            try:
                with self._sessions() as session, session.begin():
                    if self.dialect == "sqlite":
                        wait_ms = max(1, int(min(backoff.remaining_s, ATTEMPT_WAIT_S) * 1000))
                        session.connection().exec_driver_sql(f"PRAGMA busy_timeout={wait_ms}")
                    return work(session)
            except OperationalError as exc:
                if not is_busy(exc):
                    raise
                if next(pauses, None) is None:
                    raise busy_error(what, backoff.waited_s) from exc

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r})"


def open_store(db: str | os.PathLike[str] | None = None, *, migrate: bool = True,
               busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S, create: bool = True) -> Store:
    """Open (and migrate) the store named by `db`, `EVALIGN_DB` or the default file.

    Args:
        db: a SQLite file path, a database URL, or None for `EVALIGN_DB` / `evalign.db`.
        migrate: bring the schema up to date on open.
        busy_timeout_s: see `Store`.
        create: create a SQLite file that does not exist yet; False for callers that only
            read or change what is already stored (PostgreSQL databases are never created).

    Raises:
        NotFoundError: `create` is False and the SQLite file does not exist (the message names
            the path and what to do).
    """
    return Store(resolve_url(db), migrate=migrate, busy_timeout_s=busy_timeout_s, create=create)


def _create_engine(url: str, busy_timeout_s: float, *, create: bool = True) -> Engine:
    if url.startswith("sqlite"):
        if url not in MEMORY_URLS:
            path = Path(make_url(url).database or DEFAULT_DB)
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
                _create_private(path)
            elif not path.is_file():
                raise NotFoundError(
                    f"no evalign store at {path}: check --db / EVALIGN_DB, or create one with "
                    "`evalign import` (or `evalign judge create`)")
        engine = create_engine(
            url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        busy_ms = max(1, int(busy_timeout_s * 1000))

        def reset_busy_timeout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            # `Store.write` shortens the wait per try; every checkout starts from the default.
            dbapi_connection.execute(f"PRAGMA busy_timeout={busy_ms}")

        event.listen(engine, "checkout", reset_busy_timeout)
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
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
