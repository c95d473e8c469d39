"""The app factory: wires the store, security, templates, routers and the background worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from evalign.errors import ConflictError, DataError, NotFoundError, UserError
from evalign.store import Store
from evalign.web.routes import ROUTERS
from evalign.web.security import SecurityMiddleware, csrf_protect
from evalign.web.templating import make_templates, render
from evalign.web.worker import Worker

STATIC = Path(__file__).parent / "static"


def create_app(store: Store, *, token: str | None = None, worker: bool = True) -> FastAPI:
    """Build the web app over `store`.

    Args:
        store: the store to serve (the CLI's store).
        token: access token; when set every request must carry it (Bearer header or login).
        worker: run pending benchmark runs and alignment runs in a background thread, picking
            unfinished work back up on start.
    """

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
        lifespan=lifespan, docs_url="/api/docs", openapi_url="/api/openapi.json",
        redoc_url=None, dependencies=[Depends(csrf_protect)],
    )
    app.state.store = store
    app.state.token = token
    app.state.templates = make_templates()
    app.state.worker = None
    app.add_middleware(SecurityMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(UserError, _user_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    return app


def _status_of(exc: UserError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    return 422 if isinstance(exc, DataError) else 400


async def _http_error(request: Request, exc: HTTPException) -> Response:
    """HTTP errors (e.g. a refused CSRF token): JSON for the API, a readable page for people."""
    if request.url.path.startswith("/api") or exc.status_code < 400:
        return await http_exception_handler(request, exc)
    return render(request, "error.html", status_code=exc.status_code,
                  title="That did not work", message=str(exc.detail))


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
