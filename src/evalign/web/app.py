"""The app factory: wires the store, guards, templates, routers and the background worker.

Requests pass, outermost first: `SecurityHeaders` (every response), `HostCheck` (DNS rebinding),
`BodyLimit` (413 before reading), `AccessMiddleware` (token, sessions, CSRF cookie),
`JsonDepthLimit` (400 for JSON nested too deep), then the routers with the `csrf_protect`
dependency.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from evalign.errors import ConflictError, DataError, NotFoundError, StoreBusy, UserError
from evalign.store import Store
from evalign.web.guards import BodyLimit, BodyTooLarge, HostCheck, SecurityHeaders
from evalign.web.jsonbody import JsonDepthLimit
from evalign.web.replies import error_reply, with_security_headers
from evalign.web.routes import ROUTERS
from evalign.web.routes.apidocs import ASSETS as DOCS_ASSETS
from evalign.web.routes.uploads import UPLOAD_PATHS
from evalign.web.security import AccessMiddleware, csrf_protect
from evalign.web.services.uploads import UploadArea
from evalign.web.sessions import Sessions
from evalign.web.settings import ServerSettings, check_token, upload_root
from evalign.web.templating import make_templates, render
from evalign.web.throttle import SignInThrottle
from evalign.web.worker import Worker

STATIC = Path(__file__).parent / "static"


def create_app(store: Store, *, token: str | None = None, worker: bool = True,
               settings: ServerSettings | None = None) -> FastAPI:
    """Build the web app over `store`.

    Args:
        store: the store to serve (the CLI's store).
        token: access token; when set every request must carry it (Bearer header or sign-in).
        worker: run pending benchmark runs and alignment runs in a background thread, picking
            unfinished work back up on start.
        settings: the operator's limits and trusted names (defaults suit a loopback bind).

    Raises:
        ConfigError: a token shorter than 16 characters.
    """
    settings = settings or ServerSettings()
    check_token(token)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        background = Worker(store) if worker else None
        app.state.worker = background
        if background:
            background.start()
        yield
        if background:
            background.stop()

    app = FastAPI(
        title="evalign", summary="Align LLM-as-a-judge evaluators with human judgement.",
        lifespan=lifespan, docs_url=None, openapi_url="/api/openapi.json",
        redoc_url=None, dependencies=[Depends(csrf_protect)],
    )
    _state(app, store, token, settings)
    app.add_middleware(JsonDepthLimit)
    app.add_middleware(AccessMiddleware)
    app.add_middleware(BodyLimit, default=settings.max_body_bytes,
                       upload=settings.max_upload_bytes, upload_paths=UPLOAD_PATHS)
    app.add_middleware(HostCheck, names=settings.host_names())
    app.add_middleware(SecurityHeaders)
    app.mount("/static/apidocs", StaticFiles(directory=DOCS_ASSETS), name="apidocs")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(UserError, _user_error)  # type: ignore[arg-type]
    app.add_exception_handler(StoreBusy, _store_busy)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _bug)
    return app


def _state(app: FastAPI, store: Store, token: str | None, settings: ServerSettings) -> None:
    """What the routes and guards read from `app.state` (nothing global)."""
    app.state.store = store
    app.state.token = token
    app.state.settings = settings
    app.state.sessions = Sessions(token, settings.session_ttl_s) if token else None
    app.state.throttle = SignInThrottle()
    app.state.templates = make_templates()
    app.state.worker = None
    app.state.uploads = UploadArea(upload_root(store.url, settings.upload_dir),
                                   settings.max_upload_bytes)
    app.state.uploads.forget_stale()


def _status_of(exc: UserError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    return 422 if isinstance(exc, DataError) else 400


async def _http_error(request: Request, exc: HTTPException) -> Response:
    """HTTP errors (e.g. a refused CSRF token): JSON for the API, a readable page for people."""
    if isinstance(exc, BodyTooLarge):
        return error_reply(request, 413, str(exc.detail), "BodyTooLarge",
                           headers={"Connection": "close"})
    if request.url.path.startswith("/api") or exc.status_code < 400:
        return await http_exception_handler(request, exc)
    return render(request, "error.html", status_code=exc.status_code,
                  title="That did not work", message=str(exc.detail))


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    """A malformed request: FastAPI's JSON for the API, a page naming each problem for people."""
    if request.url.path.startswith("/api"):
        return await request_validation_exception_handler(request, exc)
    problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
                         for e in exc.errors())
    return render(request, "error.html", status_code=422, title="That request is not valid",
                  message=problems or "the request could not be read")


async def _user_error(request: Request, exc: UserError) -> Response:
    """A user error: JSON for the API, a readable page for people."""
    status = _status_of(exc)
    if request.url.path.startswith("/api"):
        body: dict[str, object] = {"error": str(exc), "kind": type(exc).__name__}
        if isinstance(exc, DataError):
            body.update(source=exc.source, line=exc.line, problem=exc.problem)
        return JSONResponse(body, status_code=status)
    return render(request, "error.html", status_code=status, title="Something needs fixing",
                  message=str(exc))


async def _store_busy(request: Request, exc: StoreBusy) -> Response:
    """The store stayed locked (e.g. an import holds SQLite's lock): 503 with `Retry-After`."""
    response = await _user_error(request, exc)
    response.status_code = 503
    response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    return response


async def _bug(request: Request, exc: Exception) -> Response:
    """A bug: the caller gets a plain 500 (page or JSON); the server logs the traceback.

    This reply leaves through Starlette's outermost error middleware, past `SecurityHeaders`,
    so it carries the headers itself.
    """
    return with_security_headers(error_reply(
        request, 500, "the server hit an unexpected error (its log has the details)",
        "InternalError", title="Something went wrong"))
