"""Benchmark runs on the web: the New benchmark dialog, rerun, cancel, compare.

The workflows (the dialog's four sources, rerun with a parent run, copying a run's items) are
the library's (`evalign.workflows.benchmarks`); this module maps them to pages.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from evalign.comparisons import RunComparisons, load_comparisons
from evalign.runner.run import cancel_run
from evalign.stats import paired_report
from evalign.store import Store
from evalign.store.repo_comparisons import RunRecord
from evalign.workflows.benchmarks import NewBenchmark, new_benchmark, rerun

__all__ = ["CompareRow", "NewBenchmark", "RunComparison", "cancel", "compare_runs",
           "new_benchmark", "rerun"]


def cancel(store: Store, run_id: int) -> dict[str, Any]:
    """Cancel a run (idempotent)."""
    status, changed = cancel_run(store, run_id)
    return {"run": run_id, "status": status, "cancelled": changed}


class CompareRow(BaseModel):
    """One item under two runs."""

    item_id: int
    human: Any
    a: Any
    b: Any
    a_aligned: bool | None
    b_aligned: bool | None


class RunComparison(BaseModel):
    """Two runs side by side on the same items."""

    a: int
    b: int
    a_label: str
    b_label: str
    a_aligned: float | None
    b_aligned: float | None
    paired: dict[str, Any]
    rows: list[CompareRow]


def compare_runs(store: Store, a: int, b: int, only_changed: bool = True) -> RunComparison:
    """Runs `a` and `b` side by side, with the paired difference in agreement (b − a); both
    read on `a`'s criterion, one comparison per label (the read model's default policy)."""
    first = load_comparisons(store, a)
    second = load_comparisons(store, b, criterion=first.criterion)
    by_b = {i.key.id: i for i in second.items}
    rows = []
    for item in first.items:
        other = by_b.get(item.key.id)
        rows.append(CompareRow(
            item_id=item.key.id, human=item.sides[0].value if len(item.sides) == 1 else None,
            a=item.verdict.value if item.verdict else None,
            b=other.verdict.value if other and other.verdict else None,
            a_aligned=item.aligned, b_aligned=other.aligned if other else None))
    if only_changed:
        rows = [r for r in rows if r.a_aligned != r.b_aligned or r.a != r.b]
    paired = paired_report(first.comparisons, second.comparisons)
    return RunComparison(
        a=a, b=b, a_label=_name(first.run), b_label=_name(second.run),
        a_aligned=_rate(first), b_aligned=_rate(second),
        paired=paired, rows=rows)


def _name(run: RunRecord) -> str:
    return f"#{run.id} · {run.judge} v{run.version}"


def _rate(loaded: RunComparisons) -> float | None:
    compared = [p for i in loaded.items for p in i.compared]
    return sum(bool(p.aligned()) for p in compared) / len(compared) if compared else None


