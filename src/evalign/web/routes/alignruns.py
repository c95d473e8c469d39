"""Alignment runs: Start alignment dialog, live status, history, cancel, accept, reject."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evalign.web.deps import StoreDep, check_models, wake_worker
from evalign.web.services.alignruns import (
    AlignmentPage,
    AlignmentView,
    StartAlignment,
    accept,
    alignment_page,
    alignment_view,
    cancel,
    reject,
    start,
)
from evalign.web.templating import render

router = APIRouter()


@router.get("/alignment/runs", include_in_schema=False)
def runs_page(request: Request, store: StoreDep, judge: str | None = None) -> HTMLResponse:
    """History newest first, with the Start alignment dialog."""
    return render(request, "alignment_runs.html", title="Alignment runs",
                  view=alignment_page(store, judge))


@router.get("/api/alignment/runs", tags=["alignment"])
def runs_api(store: StoreDep, judge: str | None = None) -> AlignmentPage:
    """Alignment runs newest first (of one judge when given)."""
    return alignment_page(store, judge)


@router.post("/alignment/runs", include_in_schema=False)
def start_form(request: Request, store: StoreDep,
               form: Annotated[StartAlignment, Form()]) -> Response:
    """Start an alignment run."""
    check_models(request, form.reflection_model, form.judge_model, form.verify_model)
    run_id = start(store, form)
    wake_worker(request)
    return RedirectResponse(f"/alignment/runs/{run_id}", status_code=303)


@router.post("/api/alignment/runs", tags=["alignment"], status_code=201)
def start_api(request: Request, store: StoreDep, body: StartAlignment) -> dict[str, int]:
    """Start an alignment run (the server's worker executes it)."""
    check_models(request, body.reflection_model, body.judge_model, body.verify_model)
    run_id = start(store, body)
    wake_worker(request)
    return {"run": run_id}


@router.get("/alignment/runs/{run_id}", include_in_schema=False)
def run_page(request: Request, store: StoreDep, run_id: int) -> HTMLResponse:
    """One alignment run: phases while it runs, the outcome once aligned."""
    return render(request, "alignment_run.html", title=f"Alignment run #{run_id}",
                  run=alignment_view(store, run_id))


@router.get("/api/alignment/runs/{run_id}", tags=["alignment"])
def run_api(store: StoreDep, run_id: int) -> AlignmentView:
    """One alignment run with its phases and outcome."""
    return alignment_view(store, run_id)


def _action(name: str, doc: str) -> None:
    action = {"cancel": cancel, "accept": accept, "reject": reject}[name]

    def form(store: StoreDep, run_id: int) -> Response:
        action(store, run_id)
        return RedirectResponse(f"/alignment/runs/{run_id}", status_code=303)

    def api(store: StoreDep, run_id: int) -> AlignmentView:
        return action(store, run_id)

    form.__doc__ = api.__doc__ = doc
    router.post(f"/alignment/runs/{{run_id}}/{name}", include_in_schema=False,
                name=f"{name}_form")(form)
    router.post(f"/api/alignment/runs/{{run_id}}/{name}", tags=["alignment"],
                name=f"{name}_api")(api)


_action("cancel", "Cancel an alignment run (idempotent).")
_action("accept", "Make the candidate the judge's next version (a built-in is forked).")
_action("reject", "Reject the candidate; the judge stays as it is.")
