"""The web app: FastAPI + Jinja2 pages over the same store the CLI uses, each with a JSON twin.

`create_app(store)` builds the ASGI app; `evalign serve` runs it with uvicorn.
"""

from evalign.web.app import create_app

__all__ = ["create_app"]
