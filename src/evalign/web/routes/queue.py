"""The annotation queue and adjudication pages, and their JSON twins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.datastructures import URL

from evalign.data.records import DEFAULT_CRITERION
from evalign.web.deps import ANNOTATOR_COOKIE, StoreDep, annotator_of
from evalign.web.services.adjudication import AdjudicationView, disagreements, resolve
from evalign.web.services.queue import QueueView, queue_state, save_label, skip_item
from evalign.web.services.records import LabelView
from evalign.web.templating import render

router = APIRouter()


class LabelIn(BaseModel):
    """A label posted to the API."""

    item_id: int
    criterion: str = DEFAULT_CRITERION
    annotator: str
    value: Any
    reasoning: str = ""


class SkipIn(BaseModel):
    """A skip posted to the API."""

    item_id: int
    criterion: str = DEFAULT_CRITERION
    annotator: str


@router.get("/datasets/{name}/queue", include_in_schema=False)
def queue_page(request: Request, store: StoreDep, name: str, criterion: str | None = None,
               annotator: str | None = None, item: int | None = None,
               scale: str | None = None) -> HTMLResponse:
    """The next item for this browser's annotator (`scale` names a new criterion's scale)."""
    who = (annotator or annotator_of(request)).strip()
    view = queue_state(store, name, criterion, who, item, scale)
    response = render(request, "queue.html", title=f"Queue · {name}", view=view)
    if annotator:
        response.set_cookie(ANNOTATOR_COOKIE, who[:200], samesite="strict")
    return response


@router.get("/api/datasets/{name}/queue", tags=["queue"])
def queue_api(store: StoreDep, name: str, annotator: str, criterion: str | None = None,
              item: int | None = None, scale: str | None = None) -> QueueView:
    """An annotator's progress and next item (`scale` names a new criterion's scale)."""
    return queue_state(store, name, criterion, annotator, item, scale)


@router.post("/datasets/{name}/queue", include_in_schema=False)
def queue_submit(request: Request, store: StoreDep, name: str, item_id: Annotated[int, Form()],
                 criterion: Annotated[str, Form()], action: Annotated[str, Form()] = "label",
                 value: Annotated[str, Form()] = "", reasoning: Annotated[str, Form()] = ""
                 ) -> Response:
    """Label or skip the shown item, then show the next one."""
    who = annotator_of(request)
    if action == "skip":
        skip_item(store, name, criterion, who, item_id)
    else:
        save_label(store, name, criterion, who, item_id, value, reasoning)
    url = URL(f"/datasets/{name}/queue").include_query_params(criterion=criterion)
    return RedirectResponse(str(url), status_code=303)


@router.post("/api/datasets/{name}/labels", tags=["queue"])
def label_api(store: StoreDep, name: str, body: LabelIn) -> LabelView:
    """Record (or replace) one annotator's label on one item."""
    return save_label(store, name, body.criterion, body.annotator, body.item_id, body.value,
                      body.reasoning)


@router.post("/api/datasets/{name}/skips", tags=["queue"])
def skip_api(store: StoreDep, name: str, body: SkipIn) -> dict[str, bool]:
    """Put an item at the back of an annotator's queue."""
    skip_item(store, name, body.criterion, body.annotator, body.item_id)
    return {"skipped": True}


@router.get("/datasets/{name}/adjudicate", include_in_schema=False)
def adjudicate_page(request: Request, store: StoreDep, name: str,
                    criterion: str = DEFAULT_CRITERION) -> HTMLResponse:
    """Items where annotators disagree."""
    view = disagreements(store, name, criterion)
    return render(request, "adjudicate.html", title=f"Adjudicate · {name}", view=view,
                  annotator=annotator_of(request))


@router.get("/api/datasets/{name}/disagreements", tags=["queue"])
def adjudicate_api(store: StoreDep, name: str,
                   criterion: str = DEFAULT_CRITERION) -> AdjudicationView:
    """Items where annotators disagree, open ones first."""
    return disagreements(store, name, criterion)


@router.post("/datasets/{name}/adjudicate", include_in_schema=False)
def adjudicate_submit(request: Request, store: StoreDep, name: str,
                      item_id: Annotated[int, Form()], criterion: Annotated[str, Form()],
                      value: Annotated[str, Form()], reasoning: Annotated[str, Form()] = ""
                      ) -> Response:
    """Record the resolved label of one item."""
    resolve(store, name, criterion, annotator_of(request), item_id, value, reasoning)
    url = URL(f"/datasets/{name}/adjudicate").include_query_params(criterion=criterion)
    return RedirectResponse(str(url), status_code=303)


@router.post("/api/datasets/{name}/resolutions", tags=["queue"])
def resolve_api(store: StoreDep, name: str, body: LabelIn) -> LabelView:
    """Record the resolved label of one item (`annotator` is the adjudicator)."""
    return resolve(store, name, body.criterion, body.annotator, body.item_id, body.value,
                   body.reasoning)
