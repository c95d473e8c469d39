"""Reading runs back: the list of runs, and one run item by item (for audit and `runs show`)."""

from __future__ import annotations

from typing import Any

from evalign.runner.summary import RunSummary, flip_rates, summarize
from evalign.store import Store, repo_runs


def list_run_summaries(store: Store, *, dataset: str | None = None) -> list[RunSummary]:
    """Every run, newest first (optionally only those on `dataset`)."""
    from evalign.store.repo_items import get_dataset

    with store.session() as session:
        dataset_id = get_dataset(session, dataset).id if dataset else None
        return [summarize(session, run) for run in repo_runs.list_runs(session,
                                                                        dataset_id=dataset_id)]


def run_summary(store: Store, run_id: int) -> RunSummary:
    """One run's summary."""
    with store.session() as session:
        return summarize(session, repo_runs.get_run(session, run_id))


def run_detail(store: Store, run_id: int) -> dict[str, Any]:
    """The run and, per verdict: item, output, value, p_pass, reasoning, error, raw, attempts,
    cached (plus sample, tokens, latency, cost, and flip_rate when the run repeats items)."""
    with store.session() as session:
        run = repo_runs.get_run(session, run_id)
        summary = summarize(session, run)
        rates = flip_rates(session, run_id) if run.repeat > 1 else {}
        rows = [_row(verdict, item, rates) for verdict, item in
                repo_runs.verdict_rows(session, run_id)]
        times = {"created_at": run.created_at, "started_at": run.started_at,
                 "finished_at": run.finished_at, "heartbeat_at": run.heartbeat_at}
    data = summary.to_dict() | {k: _iso(v) for k, v in times.items()}
    return {"run": data, "items": rows}


def _row(verdict: Any, item: Any, rates: dict[int, float]) -> dict[str, Any]:
    row = {
        "item": item.external_id, "item_id": item.id, "sample": verdict.sample,
        "output": item.output, "output_2": item.output_2, "value": verdict.value,
        "p_pass": verdict.p_pass, "reasoning": verdict.reasoning, "error": verdict.error,
        "error_kind": verdict.error_kind, "raw": verdict.raw, "attempts": verdict.attempts,
        "cached": verdict.cached, "checks": verdict.checks,
        "prompt_tokens": verdict.prompt_tokens, "completion_tokens": verdict.completion_tokens,
        "latency_s": verdict.latency_s, "cost_usd": verdict.cost_usd,
    }
    if item.id in rates:
        row["flip_rate"] = rates[item.id]
    return row


def _iso(moment: Any) -> str | None:
    aware = repo_runs.aware(moment)
    return aware.isoformat() if aware else None
