"""What a run reports: live progress while it runs, and its summary afterwards.

The summary carries the run's errors by cause (`ErrorCounts`), its undecided verdicts apart
from them (a pairwise judge that declined to decide is not an error), what served the model
(`endpoint`) and, when verdicts came from the answer cache, when those answers were cached.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from evalign.judges.pairwise import is_uncertain
from evalign.judges.spec import Verdict
from evalign.runner.error_counts import ErrorCounts, count_errors
from evalign.store import repo_runs
from evalign.store.repo_reruns import RETRY_OF, retries_of
from evalign.store.repo_run_items import run_item_count
from evalign.store.session import Session

if TYPE_CHECKING:  # the run as `repo_runs` hands it over; only the store reads its table
    from evalign.store.models import Run


@dataclass
class Progress:
    """Live counters of one process's share of a run (`done` includes earlier sessions;
    `undecided`: verdicts a pairwise judge declined to decide, never among `errors`;
    `run`: the run's id)."""

    total: int
    run: int | None = None
    done: int = 0
    errors: int = 0
    undecided: int = 0
    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0

    def add(self, verdict: Verdict, calls: int) -> None:
        """Count one stored verdict that took `calls` provider calls."""
        self.done += 1
        self.undecided += is_uncertain(verdict)
        count_verdict(self, verdict, calls)


class Usage(Protocol):
    """Running totals that verdicts add to (live progress, an in-memory batch)."""

    calls: int
    cached: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None


def count_verdict(totals: Usage, verdict: Verdict, calls: int) -> None:
    """Add one verdict that took `calls` provider calls to `totals`.

    The cost becomes None for good once one verdict's cost is unknown: a partial sum would
    understate it. An undecided verdict (`judges.pairwise.is_uncertain`) is not an error.
    """
    totals.calls += calls
    totals.cached += int(verdict.cached)
    totals.errors += int(verdict.error is not None and not is_uncertain(verdict))
    totals.prompt_tokens += verdict.prompt_tokens
    totals.completion_tokens += verdict.completion_tokens
    if totals.cost_usd is not None:
        totals.cost_usd = None if verdict.cost_usd is None else totals.cost_usd + verdict.cost_usd


@dataclass(frozen=True)
class RunSummary:
    """A run's outcome: counts, errors by cause, tokens, cost, time, endpoint.

    `errors` never includes the `undecided` verdicts (a pairwise judge whose answer changed
    with the order, order policy `uncertain`): a non-decision is not a failed call, and the
    agreement figures count it under its own cause. `cached_from` is (oldest, newest) ISO time
    of the cached answers this run used, when it used any; `endpoint` is what served the model
    (a base URL, a model file's sha256, ...).
    """

    run: int
    status: str
    judge: str
    dataset: str
    model: str
    items: int
    verdicts: int
    errors: int
    calls: int
    cached: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    wall_s: float
    repeat: int = 1
    mean_flip_rate: float | None = None
    error: str | None = None
    error_counts: ErrorCounts = field(default_factory=ErrorCounts)
    undecided: int = 0
    endpoint: str | None = None
    cached_from: tuple[str, str] | None = None
    scope: dict[str, Any] | None = None
    """Where a restricted run's items came from (`store.repo_run_items`); None: every item."""
    retry_of: dict[str, int] | None = None
    """For a run that asks another run's failed calls again (`runner.rerun`): `run` (the old
    run), `failed` (its verdicts asked again), `reused` (its verdicts copied, which cost
    this run nothing) and `not_asked` (its (item, sample) pairs that had no verdict, the old
    run being interrupted, asked now; absent on retries stored before it was counted); None
    for any other run."""
    retried_by: tuple[int, ...] = ()
    """The runs made to retry this run's failed calls (`--retry-errors`), oldest first."""

    @property
    def error_share(self) -> float | None:
        """Errors over verdicts (undecided verdicts are not errors); None before any verdict."""
        return self.errors / self.verdicts if self.verdicts else None

    def to_dict(self) -> dict[str, Any]:
        """The `--json` form (run, status, items, verdicts, errors by cause, undecided, calls,
        cached, tokens, cost, endpoint, ...)."""
        cached_from = None if self.cached_from is None else {
            "oldest": self.cached_from[0], "newest": self.cached_from[1]}
        return {
            "run": self.run, "status": self.status, "items": self.items,
            "verdicts": self.verdicts, "errors": self.errors, "undecided": self.undecided,
            "calls": self.calls,
            "cached": self.cached, "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens, "wall_s": self.wall_s,
            "cost_usd": self.cost_usd, "judge": self.judge, "dataset": self.dataset,
            "model": self.model, "repeat": self.repeat, "mean_flip_rate": self.mean_flip_rate,
            "error": self.error, "error_rate": self.error_share,
            "unreadable": self.error_counts.unreadable,
            "error_kinds": dict(self.error_counts.by_kind),
            "common_raw_answers": self.error_counts.to_dict()["common_raw"],
            "endpoint": self.endpoint, "cached_from": cached_from, "scope": self.scope,
            "retry_of": self.retry_of, "retried_by": list(self.retried_by),
        }


def summarize(session: Session, run: Run) -> RunSummary:
    """The summary of a stored run, from its verdicts, its model calls and its counters."""
    sums = repo_runs.totals(session, run.id)
    counters = run.counters or {}
    items = run_item_count(session, run.id, run.dataset_id)
    rates = flip_rates(session, run.id) if run.repeat > 1 else {}
    counts = count_errors(session, run.id)
    return RunSummary(
        run=run.id, status=run.status, judge=repo_runs.judge_ref(session, run),
        dataset=run.dataset.name, model=run.model, items=items, verdicts=sums["verdicts"],
        errors=counts.errors, undecided=counts.undecided,
        calls=run.calls, cached=sums["cached"],
        prompt_tokens=sums["prompt_tokens"], completion_tokens=sums["completion_tokens"],
        cost_usd=sums["cost_usd"], wall_s=float(counters.get("wall_s", 0.0)),
        repeat=run.repeat, error=run.error,
        mean_flip_rate=sum(rates.values()) / len(rates) if rates else None,
        error_counts=counts, endpoint=counters.get("endpoint"),
        cached_from=_cached_from(counters.get("cached_from")),
        scope=dict(run.scope) if run.scope else None,
        retry_of=_retry_of(counters.get(RETRY_OF)), retried_by=tuple(retries_of(session, run.id)),
    )


def _retry_of(value: Any) -> dict[str, int] | None:
    if not isinstance(value, dict):
        return None
    keys = ("run", "failed", "reused", "not_asked")
    return {key: int(value[key]) for key in keys if key in value}


def _cached_from(value: Any) -> tuple[str, str] | None:
    if isinstance(value, dict) and value.get("oldest") and value.get("newest"):
        return str(value["oldest"]), str(value["newest"])
    return None


def flip_rates(session: Session, run_id: int) -> dict[int, float]:
    """Per item with two or more readable samples: the share of samples off the majority value."""
    values: dict[int, list[str]] = defaultdict(list)
    for verdict, item in repo_runs.verdict_rows(session, run_id):
        if verdict.error is None:
            values[item.id].append(repr(verdict.value))
    return {item_id: 1 - Counter(seen).most_common(1)[0][1] / len(seen)
            for item_id, seen in values.items() if len(seen) > 1}
