"""Judges: list, detail with versions and prompts, fork, export, online scoring."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from evalign.calibration import OnlineSampling
from evalign.calibration.trend import Period
from evalign.web.deps import StoreDep
from evalign.web.services.judges import (
    JudgeDetail,
    OnlineTrend,
    ScoreRequest,
    ScoreResponse,
    export_judge,
    fork_judge,
    judge_detail,
    judges_list,
    online_view,
    score_online,
)
from evalign.web.services.overview import JudgeSummary
from evalign.web.settings import ServerSettings
from evalign.web.templating import render

router = APIRouter()


class ForkIn(BaseModel):
    """Fork request: the source `NAME[@V]` is in the path."""

    new_name: str


@router.get("/judges", include_in_schema=False)
def judges_page(request: Request, store: StoreDep) -> HTMLResponse:
    """Built-in and custom judges."""
    return render(request, "judges.html", title="Judges", judges=judges_list(store))


@router.get("/api/judges", tags=["judges"])
def judges_api(store: StoreDep) -> list[JudgeSummary]:
    """Built-in and custom judges."""
    return judges_list(store)


@router.get("/judges/{name}", include_in_schema=False)
def judge_page(request: Request, store: StoreDep, name: str) -> HTMLResponse:
    """One judge: versions, prompts, runs."""
    return render(request, "judge.html", title=name, view=judge_detail(store, name))


@router.get("/api/judges/{name}", tags=["judges"])
def judge_api(store: StoreDep, name: str) -> JudgeDetail:
    """One judge: versions (newest first) and runs."""
    return judge_detail(store, name)


@router.get("/api/judges/{name}/online", tags=["judges"])
def online_api(store: StoreDep, name: str, period: Period = "week") -> OnlineTrend:
    """Agreement on the judge's online items labeled in the queue, per version and period."""
    return online_view(store, name, period)


@router.post("/judges/{ref}/fork", include_in_schema=False)
def fork_form(store: StoreDep, ref: str, new_name: Annotated[str, Form()]) -> Response:
    """Fork a judge version into a new custom judge."""
    name = fork_judge(store, ref, new_name)
    return RedirectResponse(f"/judges/{name}", status_code=303)


@router.post("/api/judges/{ref}/fork", tags=["judges"], status_code=201)
def fork_api(store: StoreDep, ref: str, body: ForkIn) -> dict[str, str]:
    """Fork `NAME[@V]` into a new custom judge."""
    return {"judge": fork_judge(store, ref, body.new_name)}


@router.get("/api/judges/{ref}/export", tags=["judges"])
def export_api(store: StoreDep, ref: str) -> JSONResponse:
    """`NAME[@V]` as a file `evalign judge import` reads back."""
    data: dict[str, Any] = export_judge(store, ref)
    filename = f"{data['name']}@{data['version']}.json"
    return JSONResponse(data, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/api/judges/{name}/score", tags=["judges"])
def score_api(request: Request, store: StoreDep, name: str, body: ScoreRequest) -> ScoreResponse:
    """Score one item (or a batch) with the judge's accepted version and its own model.

    Nothing in the request chooses the model, its parameters or the version: a body naming
    them is refused (400), as is a batch past the server's `--max-score-batch`. With
    `evalign serve --online-sample-pass X`, every FAIL and a share X of PASSes go to the
    annotation queue (dataset `online:NAME`); each result says whether it was `routed`.
    """
    settings: ServerSettings = request.app.state.settings
    share = settings.online_sample_pass
    sampling = None if share is None else OnlineSampling(share, settings.online_sample_seed)
    return score_online(store, name, body, max_batch=settings.max_score_batch,
                        model_paths=settings.model_paths, sampling=sampling)
