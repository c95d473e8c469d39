"""The store: SQLAlchemy models, self-migrating engine, and repositories."""

from evalign.store.engine import Store, open_store, resolve_url

__all__ = ["Store", "open_store", "resolve_url"]
