"""The root Typer app: registers every command group and maps user errors to exit codes."""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from evalign.cli import (
    align_cmd,
    data_cmd,
    judge_cmd,
    models_cmd,
    report_cmd,
    run_cmd,
    serve_cmd,
)
from evalign.cli.common import err_console
from evalign.errors import UserError

app = typer.Typer(
    name="evalign",
    help="Align LLM-as-a-judge evaluators with human judgement.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)



@app.callback()
def root() -> None:
    """Align LLM-as-a-judge evaluators with human judgement."""


@app.command("version")
def version() -> None:
    """Print evalign's version."""
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("evalign"))


for module in (data_cmd, judge_cmd, models_cmd, run_cmd, report_cmd, align_cmd, serve_cmd):
    module.register(app)


def main() -> None:
    """Entry point: run the app; a `UserError` becomes a one-line message and its exit code."""
    try:
        app()
    except UserError as exc:
        message = f"[bold red]error:[/] {escape(str(exc))}"
        err_console.print(message, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
