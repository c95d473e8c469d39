"""Benchmark runs: list with the New benchmark dialog, run page, rerun, cancel, compare."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evalign.comparisons import DEFAULT_POLICY, Policy
from evalign.errors import ConfigError
from evalign.report.build import report_json, run_report
from evalign.web.deps import PageNo, StoreDep, check_models, wake_worker
from evalign.web.services.benchmarks import (
    NewBenchmark,
    RunComparison,
    cancel,
    compare_runs,
    new_benchmark,
    rerun,
)
from evalign.web.services.datasets import list_datasets
from evalign.web.services.overview import RunSummary, list_judges, list_runs
from evalign.web.services.runs import RunFilters, RunPage, run_page
from evalign.web.templating import render

router = APIRouter()
Filters = Annotated[RunFilters, Query()]
"""The filters as one query model: pydantic reads them, so an empty number box means no bound."""


@router.get("/runs", include_in_schema=False)
def runs_page(request: Request, store: StoreDep, dataset: str | None = None) -> HTMLResponse:
    """Every benchmark run, and the New benchmark dialog."""
    return render(request, "runs.html", title="Benchmarks",
                  runs=list_runs(store, limit=200, dataset=dataset),
                  judges=list_judges(store), datasets=list_datasets(store))


@router.get("/api/runs", tags=["runs"])
def runs_api(store: StoreDep, dataset: str | None = None,
             limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[RunSummary]:
    """The newest benchmark runs."""
    return list_runs(store, limit=limit, dataset=dataset)


@router.post("/runs", include_in_schema=False)
def runs_create(request: Request, store: StoreDep, form: Annotated[NewBenchmark, Form()]
                ) -> Response:
    """Create the benchmark run the dialog describes."""
    check_models(request, form.model, form.generate_model)
    run_id = new_benchmark(store, form)
    wake_worker(request)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.post("/api/runs", tags=["runs"], status_code=201)
def runs_create_api(request: Request, store: StoreDep, body: NewBenchmark) -> dict[str, int]:
    """Create a benchmark run (it runs in the server's background worker)."""
    check_models(request, body.model, body.generate_model)
    run_id = new_benchmark(store, body)
    wake_worker(request)
    return {"run": run_id}


@router.get("/runs/compare", include_in_schema=False)
def compare_page(request: Request, store: StoreDep, a: int, b: int,
                 all: bool = False, policy: Policy = DEFAULT_POLICY,
                 criterion: str | None = None) -> HTMLResponse:
    """Two runs side by side."""
    return render(request, "compare.html", title=f"Compare #{a} and #{b}",
                  view=compare_runs(store, a, b, only_changed=not all, policy=policy,
                                    criterion=criterion or None),
                  show_all=all, named=criterion or "")


@router.get("/api/runs/compare", tags=["runs"])
def compare_api(store: StoreDep, a: int, b: int, all: bool = False,
                policy: Policy = DEFAULT_POLICY, criterion: str | None = None) -> RunComparison:
    """Two runs side by side with the paired difference in agreement (b − a), under
    `policy` (as `evalign report A --vs B --policy P`): an undecided verdict counts as its
    run's miss, a pair with an errored verdict is left out; `paired.notes` says how many.
    Both runs are read on `criterion`, else on each run's own, refused (400) when those
    differ."""
    return compare_runs(store, a, b, only_changed=not all, policy=policy,
                        criterion=criterion or None)


@router.get("/runs/{run_id}", include_in_schema=False)
def run_html(request: Request, store: StoreDep, run_id: int, filters: Filters,
             page: PageNo = 1) -> HTMLResponse:
    """One benchmark run."""
    return render(request, "run.html", title=f"Run #{run_id}",
                  view=run_page(store, run_id, filters, page))


@router.get("/api/runs/{run_id}", tags=["runs"])
def run_api(store: StoreDep, run_id: int, filters: Filters, page: PageNo = 1,
            per_page: Annotated[int, Query(ge=1, le=1000)] = 50) -> RunPage:
    """One benchmark run: header stats, filtered items, discrepancies, version history."""
    return run_page(store, run_id, filters, page, per_page)


@router.get("/api/runs/{run_id}/report", tags=["runs"])
def run_report_api(store: StoreDep, run_id: int, policy: Policy = DEFAULT_POLICY,
                   criterion: str | None = None, vs: int | None = None,
                   by: str | None = None,
                   consensus: Annotated[bool, Query(include_in_schema=False)] = False
                   ) -> Response:
    """The run's agreement report: exactly the JSON `evalign report RUN --format json
    [--policy P] [--criterion C] [--vs RUN2] [--by KEY]` prints (`consensus=true`: the
    older spelling of `policy=consensus`)."""
    if consensus and policy != "consensus":
        raise ConfigError("consensus=true contradicts policy=per_label: give one of them")
    data = run_report(store, run_id, vs=vs, by=by, criterion=criterion, policy=policy)
    return Response(report_json(data), media_type="application/json")


@router.post("/runs/{run_id}/rerun", include_in_schema=False)
def rerun_form(request: Request, store: StoreDep, run_id: int) -> Response:
    """A new run of the judge's current version on the same items."""
    new_id = rerun(store, run_id)
    wake_worker(request)
    return RedirectResponse(f"/runs/{new_id}", status_code=303)


@router.post("/api/runs/{run_id}/rerun", tags=["runs"], status_code=201)
def rerun_api(request: Request, store: StoreDep, run_id: int) -> dict[str, int]:
    """A new run of the judge's current version on the same items."""
    new_id = rerun(store, run_id)
    wake_worker(request)
    return {"run": new_id}


@router.post("/runs/{run_id}/cancel", include_in_schema=False)
def cancel_form(store: StoreDep, run_id: int) -> Response:
    """Cancel a run."""
    cancel(store, run_id)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.post("/api/runs/{run_id}/cancel", tags=["runs"])
def cancel_api(store: StoreDep, run_id: int) -> dict[str, Any]:
    """Cancel a run (cancelling twice, or a finished run, changes nothing)."""
    return cancel(store, run_id)
