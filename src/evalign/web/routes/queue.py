"""The annotation queue and adjudication pages, and their JSON twins.

Who labels comes from the session: the annotator this browser chose (its cookie). A form never
names the annotator; a JSON body may (scripts with the access token have no cookie), but not a
different one from the browser's own.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.datastructures import URL

from evalign.errors import ConflictError
from evalign.web.deps import ANNOTATOR_COOKIE, StoreDep, annotator_of
from evalign.web.services.adjudication import AdjudicationView, disagreements, resolve
from evalign.web.services.queue import QueueView, queue_state, save_label, skip_item
from evalign.web.services.records import LabelView
from evalign.web.templating import render

router = APIRouter()


class LabelIn(BaseModel):
    """A label posted to the API (`annotator`: default the browser's annotator)."""

    item_id: int
    criterion: str | None = None
    """One of the dataset's criteria; omitted: its only one (400 when it has several)."""
    annotator: str = ""
    value: Any
    reasoning: str = ""


class SkipIn(BaseModel):
    """A skip posted to the API (`annotator`: default the browser's annotator)."""

    item_id: int
    criterion: str | None = None
    annotator: str = ""


def _who(request: Request, named: str) -> str:
    """The annotator of an API write: the browser's own, or the one a script names.

    Raises:
        ConflictError: the body names someone else than the browser's annotator.
    """
    own, named = annotator_of(request), named.strip()
    if own and named and named != own:
        raise ConflictError(f"this browser annotates as {own!r}, not {named!r}: labels carry "
                            "the session's annotator (change it on the queue page)")
    return own or named


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
    """An annotator's progress and next item (`scale` names a new criterion's scale).

    `item` shows that item instead; 409 when it belongs to a superseded dataset version.
    """
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
def label_api(request: Request, store: StoreDep, name: str, body: LabelIn) -> LabelView:
    """Record (or change) one annotator's label on one item (409: the item was superseded)."""
    return save_label(store, name, body.criterion, _who(request, body.annotator), body.item_id,
                      body.value, body.reasoning)


@router.post("/api/datasets/{name}/skips", tags=["queue"])
def skip_api(request: Request, store: StoreDep, name: str, body: SkipIn) -> dict[str, bool]:
    """Put an item at the back of an annotator's queue."""
    skip_item(store, name, body.criterion, _who(request, body.annotator), body.item_id)
    return {"skipped": True}


@router.get("/datasets/{name}/adjudicate", include_in_schema=False)
def adjudicate_page(request: Request, store: StoreDep, name: str,
                    criterion: str | None = None) -> HTMLResponse:
    """Items where annotators disagree."""
    view = disagreements(store, name, criterion)
    return render(request, "adjudicate.html", title=f"Adjudicate · {name}", view=view,
                  annotator=annotator_of(request))


@router.get("/api/datasets/{name}/disagreements", tags=["queue"])
def adjudicate_api(store: StoreDep, name: str,
                   criterion: str | None = None) -> AdjudicationView:
    """Items where annotators disagree, open ones first (`criterion`: default the dataset's
    only one; 400 when it has several)."""
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
def resolve_api(request: Request, store: StoreDep, name: str, body: LabelIn) -> LabelView:
    """Record the resolved label of one item (`annotator` is the adjudicator)."""
    return resolve(store, name, body.criterion, _who(request, body.annotator), body.item_id,
                   body.value, body.reasoning)
