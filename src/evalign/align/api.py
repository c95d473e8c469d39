"""`evalign.align(...)`: the Python twin of `evalign align`."""

from __future__ import annotations

from collections.abc import Sequence

from evalign.align.config import AlignConfig
from evalign.align.run import AlignmentRun, execute_alignment, start_alignment
from evalign.store import Store, open_store


def align(judge: str, dataset: str | None = None, *, from_runs: Sequence[int] = (),
          store: Store | str | None = None, **settings: object) -> AlignmentRun:
    """Align `judge` (`NAME[@V]`) on a labeled dataset (or source runs) and return the run.

    Args:
        judge: the judge to align.
        dataset: the labeled dataset (or give `from_runs`).
        from_runs: completed runs of the judge whose items carry labels.
        store: a store or database URL (default: `$EVALIGN_DB` or ./evalign.db).
        **settings: any `AlignConfig` field (strategies, ratios, group_by, seed, sample, ...).

    Returns:
        The finished alignment run; its `outcome` holds the test-split comparison.
    """
    opened = store if isinstance(store, Store) else open_store(store)
    config = AlignConfig(**{"dataset": dataset, "from_runs": tuple(from_runs), **settings})
    run_id = start_alignment(opened, judge, config)
    return execute_alignment(opened, run_id)
