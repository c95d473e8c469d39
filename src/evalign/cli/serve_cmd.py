"""CLI commands: serve (the web app) and worker (background work without a web server)."""

from __future__ import annotations

import ipaddress
import os
import socket
import time
from typing import Annotated

import typer

from evalign.cli.common import DbOption, console, store_for
from evalign.errors import ConfigError


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    app.command("serve")(serve)
    app.command("worker")(worker)


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(a[4][0]).is_loopback
                       for a in socket.getaddrinfo(host, None))
        except OSError:
            return False


def access_token(host: str) -> str | None:
    """The token the server requires: `EVALIGN_TOKEN`, mandatory off loopback.

    Raises:
        ConfigError: a non-loopback host without `EVALIGN_TOKEN`.
    """
    token = os.environ.get("EVALIGN_TOKEN") or None
    if token is None and not is_loopback(host):
        raise ConfigError(
            f"refusing to serve on {host} without an access token: set EVALIGN_TOKEN "
            "(clients then send 'Authorization: Bearer $EVALIGN_TOKEN' or sign in), "
            "or bind 127.0.0.1")
    return token


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Interface to bind (loopback by default).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8321,
    no_worker: Annotated[bool, typer.Option(
        "--no-worker", help="Do not run benchmark/alignment runs in this process.")] = False,
) -> None:
    """Serve the web app (annotation queue, Eval Alignment, runs) over the store."""
    import uvicorn

    from evalign.web import create_app

    token = access_token(host)
    app = create_app(store_for(db), token=token, worker=not no_worker)
    console.print(f"evalign serving on http://{host}:{port}"
                  + (" (token required)" if token else ""))
    uvicorn.run(app, host=host, port=port, log_level="warning")


def worker(
    db: DbOption = None,
    once: Annotated[bool, typer.Option("--once", help="Run what is pending, then exit.")]
    = False,
) -> None:
    """Run pending benchmark runs and alignment runs (and resume orphaned ones)."""
    from evalign.web.worker import Worker

    background = Worker(store_for(db))
    console.print("evalign worker: waiting for pending runs (Ctrl+C stops)")
    while True:
        found = background.run_once()
        if once and not found:
            return
        if not found:
            time.sleep(background.interval)
