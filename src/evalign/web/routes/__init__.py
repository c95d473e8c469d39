"""The app's routers: each module serves pages and their `/api` JSON twins."""

from fastapi import APIRouter

from evalign.web.routes import (
    alignruns,
    apidocs,
    dashboard,
    datasets,
    home,
    judges,
    queue,
    runs,
    uploads,
)

ROUTERS: list[APIRouter] = [
    home.router, uploads.router, datasets.router, queue.router, dashboard.router, runs.router,
    judges.router, alignruns.router, apidocs.router,
]
