"""The schema's head revision, known without loading Alembic.

Opening a store happens on every CLI command; importing Alembic and reading its script directory
to learn the head costs more than the command itself. A store already at `HEAD_REVISION` is
recognised with one plain query, and Alembic is loaded only when an upgrade is due.

`HEAD_REVISION` is kept equal to the newest migration's `revision` by a test
(tests/store/test_revision.py). Were it ever stale, nothing goes wrong but speed: a store whose
revision differs is handed to Alembic, which compares against its real head.
"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

HEAD_REVISION = "0005"
"""The `revision` of the newest file in store/migrations/versions."""


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in the database's `alembic_version` table.

    Returns:
        The revision id, or None for a database without the table (a new one) or without a row.
    """
    with engine.connect() as connection:
        try:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        except DBAPIError:
            # No such table yet: a fresh database, which the upgrade creates.
            return None
    return None if row is None else str(row[0])


def at_head(engine: Engine) -> bool:
    """Whether the database is already at `HEAD_REVISION` (no migration needed)."""
    return current_revision(engine) == HEAD_REVISION
