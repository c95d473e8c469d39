"""Self-migration: every open brings the schema to Alembic's head.

On SQLite, a migration that rebuilds a table (copy, drop, rename) must run with foreign keys
off: with them on, dropping the old `datasets` table would cascade into its items. The pragma
only takes effect outside a transaction, so the upgrade turns it off, runs every step in one
explicit transaction (all or nothing), checks the foreign keys, and turns them back on.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Upgrade the database to head, doing nothing when it is already there."""
    config = alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:
        if MigrationContext.configure(connection).get_current_revision() == head:
            return
    if engine.dialect.name == "sqlite":
        _upgrade_sqlite(engine, config)
        return
    with engine.begin() as connection:
        # Two processes opening a fresh database at once must not both create tables.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(712011)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _upgrade_sqlite(engine: Engine, config: Config) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            _in_one_transaction(connection, config)
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def _in_one_transaction(connection: Connection, config: Config) -> None:
    # pysqlite opens transactions only before DML; BEGIN IMMEDIATE makes the DDL part of one
    # transaction too, and takes the write lock first, so two processes never migrate at once.
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("BEGIN IMMEDIATE")
    try:
        if MigrationContext.configure(connection).get_current_revision() != _head(config):
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys do not hold after migrating (table, row, parent, "
                               f"key): {broken[:5]}; nothing was changed")
    except BaseException:
        driver.rollback()
        raise
    driver.commit()


def _head(config: Config) -> str | None:
    return ScriptDirectory.from_config(config).get_current_head()
