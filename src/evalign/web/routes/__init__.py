"""The app's routers: each module serves pages and their `/api` JSON twins."""

from fastapi import APIRouter

from evalign.web.routes import dashboard, datasets, home, queue

ROUTERS: list[APIRouter] = [home.router, datasets.router, queue.router, dashboard.router]
