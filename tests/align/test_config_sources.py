"""An alignment run's sources are checked before anything is created."""

from __future__ import annotations

import pytest

from evalign.align import AlignConfig
from evalign.errors import ConfigError, ConflictError, NotFoundError
from evalign.runner.run import create_run
from evalign.store import Store
from tests.align.helpers import seed_store


def test_sources_must_exist_and_runs_be_completed(sqlite_store: Store) -> None:
    seed_store(sqlite_store)
    pending = create_run(sqlite_store, "gn", "bench")
    with sqlite_store.session() as s:
        AlignConfig(dataset="bench").validate_sources(s)
        with pytest.raises(ConfigError, match="dataset: give either dataset NAME"):
            AlignConfig().validate_sources(s)
        with pytest.raises(ConfigError, match="dataset: give either dataset NAME"):
            AlignConfig(dataset="bench", from_runs=(pending,)).validate_sources(s)
        with pytest.raises(NotFoundError, match="no run 999"):
            AlignConfig(from_runs=(999,)).validate_sources(s)
        with pytest.raises(ConflictError, match=f"run {pending} is pending"):
            AlignConfig(from_runs=(pending,)).validate_sources(s)
