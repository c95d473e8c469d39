"""Upload a labeled file: choose it, map its columns, preview the parse, import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import URL
from starlette.datastructures import UploadFile as FormFile

from evalign.data.sniff import FORMATS
from evalign.errors import UserError
from evalign.web.deps import StoreDep
from evalign.web.services.uploads import (
    MAP_KEYS,
    UploadArea,
    UploadOptions,
    UploadPreview,
    form_mapping,
    import_upload,
    preview_upload,
)
from evalign.web.templating import render

router = APIRouter()
UPLOAD_PATHS = frozenset({"/datasets/upload", "/api/uploads/preview"})
"""Routes whose bodies may be as large as the server's upload limit (the rest: body limit)."""


def _area(request: Request) -> UploadArea:
    area: UploadArea = request.app.state.uploads
    return area


def _options(form: Any) -> UploadOptions:
    return UploadOptions(dataset=str(form.get("dataset") or ""),
                         format=str(form.get("format") or "auto"),
                         criterion=str(form.get("criterion") or ""),
                         scale=str(form.get("scale") or ""), mapping=form_mapping(form))


def _page(request: Request, view: UploadPreview | None, options: UploadOptions,
          error: str | None = None) -> HTMLResponse:
    failed = error or (view.error if view else None)
    return render(request, "upload.html", status_code=422 if failed else 200, title="Upload",
                  view=view, options=options, formats=FORMATS, keys=MAP_KEYS, error=error)


@router.get("/datasets/upload", include_in_schema=False)
def upload_page(request: Request) -> HTMLResponse:
    """Step 1: choose a file."""
    return _page(request, None, UploadOptions())


@router.post("/datasets/upload", include_in_schema=False)
async def upload_file(request: Request, store: StoreDep) -> Response:
    """Step 2: keep the file aside and show its columns, mapping and parsed preview."""
    form = await request.form()
    options = _options(form)
    file = form.get("file")
    token = str(form.get("token") or "")
    area = _area(request)
    if isinstance(file, FormFile) and file.filename:
        token = area.save(file.file, file.filename)
    if not token:
        return _page(request, None, options, error="choose a file to upload")
    view = preview_upload(store, area, token, options)
    if form.get("action") != "import" or view.error:
        return _page(request, view, options)
    try:
        summary = import_upload(store, area, token, options)
    except UserError as exc:
        return _page(request, view, options, error=str(exc))
    url = URL(f"/datasets/{options.dataset.strip()}").include_query_params(
        imported=summary["rows"], warning=summary["warnings"])
    return RedirectResponse(str(url), status_code=303)


@router.post("/api/uploads/preview", tags=["datasets"])
def upload_preview_api(request: Request, store: StoreDep, file: Annotated[UploadFile, File()],
                       format: Annotated[str, Form()] = "auto",
                       criterion: Annotated[str, Form()] = "",
                       scale: Annotated[str, Form()] = "",
                       mapping: Annotated[str, Form(description="KEY=COLUMN,...")] = "",
                       ) -> UploadPreview:
    """Parse an uploaded file without writing anything; returns a token to import it."""
    area = _area(request)
    token = area.save(file.file, file.filename or "upload")
    return preview_upload(store, area, token, UploadOptions(
        format=format, criterion=criterion, scale=scale, mapping=_pairs(mapping)))


@router.post("/api/uploads/{token}/import", tags=["datasets"], status_code=201)
def upload_import_api(request: Request, store: StoreDep, token: str,
                      body: UploadOptions) -> dict[str, Any]:
    """Import a previewed upload as a dataset (the summary of `evalign import --json`)."""
    return import_upload(store, _area(request), token, body)


def _pairs(text: str) -> dict[str, str]:
    pairs = (p.partition("=") for p in text.split(",") if "=" in p)
    return {k.strip(): v.strip() for k, _, v in pairs}
