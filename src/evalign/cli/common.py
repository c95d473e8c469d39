"""What every command shares: the --db and --json options, output helpers, the store."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table

from evalign.store import Store, open_store

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database: a SQLite file path or a postgresql:// URL "
                 "(default: $EVALIGN_DB or ./evalign.db).", envvar="EVALIGN_DB"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

console = Console()
err_console = Console(stderr=True)


def store_for(db: str | None, *, create: bool = False) -> Store:
    """Open the store the user named.

    Args:
        db: `--db` (or `EVALIGN_DB`, which Typer reads into it); None for the default file.
        create: the command may start a new store (import, creating a judge, serving the web
            app); every other command refuses a SQLite file that does not exist, so a mistyped
            `--db` says so instead of opening an empty store.

    Raises:
        NotFoundError: the SQLite file does not exist and `create` is False.
    """
    return open_store(db, create=create)


def table(*headers: str, **options: Any) -> Table:
    """A Rich table whose cells wrap instead of being cut: ids and names always print whole,
    however narrow the terminal."""
    return Table(*(Column(h, overflow="fold") for h in headers), **options)


def print_json(data: Any) -> None:
    """Print JSON to stdout (no Rich markup, so pipes get exactly the JSON)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()
