"""Benchmark runs on the web: the New benchmark dialog, rerun, cancel, compare.

The workflows (the dialog's four sources, rerun with a parent run, copying a run's items) are
the library's (`evalign.workflows.benchmarks`); this module maps them to pages.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from evalign.comparisons import (
    DEFAULT_POLICY,
    ItemComparison,
    Policy,
    headline,
)
from evalign.report.paired import load_pair
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
    """One item under two runs (`a_undecided`/`b_undecided`: that run's judge declined to
    decide, its answer changed with the order; the paired figures count it as a miss)."""

    item_id: int
    human: Any
    a: Any
    b: Any
    a_aligned: bool | None
    b_aligned: bool | None
    a_undecided: bool = False
    b_undecided: bool = False


class RunComparison(BaseModel):
    """Two runs side by side on the same items, under one labels policy.

    `a_aligned`/`b_aligned` are each run's headline agreement (`comparisons.headline`, the
    figure `evalign report RUN` prints: undecided verdicts left out, over `a_comparisons` /
    `b_comparisons` pairs); `paired` is the library's paired block (`stats.paired_report`),
    where an undecided verdict counts as its run's miss and a pair with an errored verdict
    is left out, both counted and stated in `paired["notes"]`. `criterion` is the criterion
    both runs are read on, `criterion_words` why (`report.paired`).
    """

    a: int
    b: int
    a_label: str
    b_label: str
    policy: Policy
    criterion: str | None = None
    criterion_words: str = ""
    a_aligned: float | None
    b_aligned: float | None
    a_comparisons: int
    b_comparisons: int
    paired: dict[str, Any]
    rows: list[CompareRow]


def compare_runs(store: Store, a: int, b: int, only_changed: bool = True,
                 policy: Policy = DEFAULT_POLICY, criterion: str | None = None
                 ) -> RunComparison:
    """Runs `a` and `b` side by side, with the paired difference in agreement (b − a); both
    read on one criterion under `policy` (default `consensus`: one comparison per item), as
    `evalign report A --vs B`: `criterion` when named, else each run's own
    (`report.paired.load_pair`).

    Raises:
        PairCriterionError: without `criterion`, the runs' own criteria differ.
    """
    pair = load_pair(store, a, b, criterion=criterion, policy=policy)
    first, second = pair.first, pair.second
    by_b = {i.key.id: i for i in second.items}
    rows = [_row(item, by_b.get(item.key.id)) for item in first.items]
    if only_changed:
        rows = [r for r in rows if r.a_aligned != r.b_aligned or r.a != r.b
                or r.a_undecided != r.b_undecided]
    paired = paired_report(first.comparisons, second.comparisons)
    heads = headline(first), headline(second)
    return RunComparison(
        a=a, b=b, a_label=_name(first.run), b_label=_name(second.run), policy=policy,
        criterion=pair.criterion, criterion_words=pair.words,
        a_aligned=heads[0]["agreement"], b_aligned=heads[1]["agreement"],
        a_comparisons=heads[0]["comparisons"], b_comparisons=heads[1]["comparisons"],
        paired=paired, rows=rows)


def _row(item: ItemComparison, other: ItemComparison | None) -> CompareRow:
    mine, theirs = item.verdict, other.verdict if other else None
    return CompareRow(
        item_id=item.key.id, human=item.sides[0].value if len(item.sides) == 1 else None,
        a=mine.value if mine else None, b=theirs.value if theirs else None,
        a_aligned=item.aligned, b_aligned=other.aligned if other else None,
        a_undecided=bool(mine and mine.undecided), b_undecided=bool(theirs and theirs.undecided))


def _name(run: RunRecord) -> str:
    return f"#{run.id} · {run.judge} v{run.version}"
