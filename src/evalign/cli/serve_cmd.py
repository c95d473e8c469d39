"""CLI commands: serve (the web app) and worker (background work without a web server)."""

from __future__ import annotations

import ipaddress
import os
import socket
import time
from pathlib import Path
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
        ConfigError: a non-loopback host without `EVALIGN_TOKEN`, or a token shorter than 16
            characters.
    """
    from evalign.web.settings import check_token  # the web app loads only when served

    token = os.environ.get("EVALIGN_TOKEN") or None
    if token is None and not is_loopback(host):
        raise ConfigError(
            f"refusing to serve on {host} without an access token: set EVALIGN_TOKEN "
            "(clients then send 'Authorization: Bearer $EVALIGN_TOKEN' or sign in), "
            "or bind 127.0.0.1")
    return check_token(token)


AllowedHosts = Annotated[list[str] | None, typer.Option(
    "--allowed-host", help="A further Host name the server answers to (repeatable; '*' for "
    "any, only behind a proxy that checks Host). Default: the bound address (and, on "
    "loopback, localhost).")]
ModelPaths = Annotated[list[Path] | None, typer.Option(
    "--allow-model-path", help="A folder or .gguf file local/ models may be read from, "
    "besides the model cache (repeatable).")]


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Interface to bind (loopback by default).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8321,
    no_worker: Annotated[bool, typer.Option(
        "--no-worker", help="Do not run benchmark/alignment runs in this process.")] = False,
    allowed_host: AllowedHosts = None,
    allow_model_path: ModelPaths = None,
    max_body_mb: Annotated[float, typer.Option(
        help="Largest request body in MiB (uploads excepted).", min=0.01)] = 1.0,
    max_upload_mb: Annotated[float, typer.Option(
        help="Largest uploaded file in MiB.", min=0.01)] = 100.0,
    max_score_batch: Annotated[int, typer.Option(
        help="Most items one online-scoring request may carry.", min=1)] = 100,
    session_hours: Annotated[float, typer.Option(
        help="How long a browser sign-in lasts, in hours.", min=0.01)] = 12.0,
    upload_dir: Annotated[Path | None, typer.Option(
        help="Where uploads wait for their import (default: beside the SQLite file; for "
        "PostgreSQL, the user's data folder).")] = None,
    online_sample_pass: Annotated[float | None, typer.Option(
        help="Route items scored online to the annotation queue (dataset online:JUDGE): "
        "every FAIL and this share (0-1) of PASSes, picked by a hash of the item and the "
        "seed. Default: route nothing.", min=0.0, max=1.0)] = None,
    online_sample_seed: Annotated[str, typer.Option(
        help="Seed of the PASS sample (the same seed picks the same items).")] = "evalign",
) -> None:
    """Serve the web app (annotation queue, Eval Alignment, runs) over the store."""
    import uvicorn

    from evalign.web import create_app
    from evalign.web.settings import MIB, ServerSettings

    token = access_token(host)
    settings = ServerSettings(
        bind=host, allowed_hosts=tuple(allowed_host or ()),
        max_body_bytes=int(max_body_mb * MIB), max_upload_bytes=int(max_upload_mb * MIB),
        max_score_batch=max_score_batch, session_ttl_s=session_hours * 3600,
        model_paths=tuple(allow_model_path or ()), upload_dir=upload_dir,
        online_sample_pass=online_sample_pass, online_sample_seed=online_sample_seed)
    app = create_app(store_for(db, create=True), token=token, worker=not no_worker,
                     settings=settings)
    console.print(f"evalign serving on http://{host}:{port}"
                  + (" (token required)" if token else ""))
    uvicorn.run(app, host=host, port=port, log_level="warning")


def worker(
    db: DbOption = None,
    once: Annotated[bool, typer.Option("--once", help="Run what is pending, then exit.")]
    = False,
) -> None:
    """Run pending benchmark runs and alignment runs (and resume orphaned ones)."""
    from evalign.workflows.worker import Worker

    background = Worker(store_for(db))
    console.print("evalign worker: waiting for pending runs (Ctrl+C stops)")
    while True:
        found = background.run_once()
        if once and not found:
            return
        if not found:
            time.sleep(background.interval)
