"""Cached model answers in the store's `cache_entries` table, one row per cache key.

The runner computes the key and decides what an answer holds (`evalign.runner.cache`); this
module only reads and writes the rows. Both calls are on a run's hot path, so each is one
short transaction with one lookup by primary key (and one insert for a new entry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from evalign.store import Store
from evalign.store.models import CacheEntry


@dataclass(frozen=True)
class CachedAnswer:
    """One stored entry: the answer as stored (JSON object) and when it was cached."""

    answer: dict[str, Any]
    created_at: datetime | None


def get_answer(store: Store, key: str) -> CachedAnswer | None:
    """The entry stored under `key`, or None."""
    with store.session() as session:
        entry = session.get(CacheEntry, key)
        if entry is None:
            return None
        return CachedAnswer(answer=entry.answer, created_at=entry.created_at)


def put_answer(store: Store, key: str, model: str, answer: dict[str, Any]) -> None:
    """Store `answer` under `key` unless an entry is there; a concurrent writer of the same
    key wins harmlessly (the first entry stays)."""
    try:
        with store.session() as session:
            if session.get(CacheEntry, key) is None:
                session.add(CacheEntry(key=key, model=model, answer=answer))
    except IntegrityError:
        pass
