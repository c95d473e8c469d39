"""One import per dataset name at a time: a second one is refused at once, not after a wait.

- PostgreSQL: a session-level advisory lock keyed on the name, held on a connection of its own
  for the length of the import; the server drops it if the process dies.
- SQLite: a row in `import_claims`, committed before the import's long transaction begins, so
  other processes see it while the import holds the write lock. A claim left by a process that
  died (same host, pid gone) is taken over.

Either way the loser gets `ConflictError("... being imported by another process ...")`, which
the CLI prints as one line with exit code 2.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_writes import being_imported

ADVISORY_CLASS = 712012
"""First key of the (class, name) advisory lock pair; migrations use the one-key space."""


@contextmanager
def claim_import(store: Store, name: str) -> Iterator[None]:
    """Hold the right to import dataset `name` for the duration of the `with` block.

    Raises:
        ConflictError: another process (or thread) is importing `name` right now.
    """
    if store.dialect == "postgresql":
        with _advisory(store, name):
            yield
        return
    token = uuid.uuid4().hex
    store.write(lambda session: _claim(session, name, token), what="the import")
    try:
        yield
    finally:
        store.write(lambda session: _release(session, name, token), what="the import's claim")


@contextmanager
def _advisory(store: Store, name: str) -> Iterator[None]:
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)
    with store.engine.connect() as connection:
        got = connection.scalar(sa.select(sa.func.pg_try_advisory_lock(ADVISORY_CLASS, key)))
        connection.commit()
        if not got:
            raise being_imported(name)
        try:
            yield
        finally:
            connection.scalar(sa.select(sa.func.pg_advisory_unlock(ADVISORY_CLASS, key)))
            connection.commit()


def _claim(session: Session, name: str, token: str) -> None:
    held = session.get(m.ImportClaim, name, populate_existing=True)
    if held is not None and not _dead(held):
        raise being_imported(name, f" (pid {held.pid} on {held.host}, since "
                                   f"{held.started_at:%Y-%m-%d %H:%M:%S} UTC)")
    if held is not None:
        session.delete(held)
        session.flush()
    session.add(m.ImportClaim(name=name, token=token, host=socket.gethostname()[:255],
                              pid=os.getpid()))
    try:
        session.flush()
    except IntegrityError:
        raise being_imported(name) from None


def _release(session: Session, name: str, token: str) -> None:
    session.execute(sa.delete(m.ImportClaim).where(m.ImportClaim.name == name,
                                                   m.ImportClaim.token == token))


def _dead(claim: m.ImportClaim) -> bool:
    """Whether the claim's process is known to be gone (only checkable on this host)."""
    if claim.host != socket.gethostname()[:255]:
        return False
    try:
        os.kill(claim.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False

