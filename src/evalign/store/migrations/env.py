"""Alembic environment: runs on the connection the store hands over."""

from __future__ import annotations

from alembic import context

from evalign.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `alembic revision --autogenerate` by developers
    import importlib
    import pkgutil

    from sqlalchemy import create_engine

    import evalign.store

    # Every `models*` module registers its tables on Base, so the draft sees all of them.
    for module in pkgutil.iter_modules(evalign.store.__path__):
        if module.name.startswith("models"):
            importlib.import_module(f"evalign.store.{module.name}")

    connection = create_engine(context.config.get_main_option("sqlalchemy.url") or "").connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
