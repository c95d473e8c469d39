"""Self-migration: every open brings the schema to Alembic's head."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

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
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Two processes opening a fresh database at once must not both create tables.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(712011)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
