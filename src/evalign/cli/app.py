"""The root Typer app: lists every command group, loads one only when it runs, and maps user
errors to exit codes (as JSON when the command was asked for JSON).

`evalign --help` must not import the library (the store, statistics, the web app): it takes
seconds. So the command modules are named here with their one-line help (`COMMANDS`); a
command's module is imported when that command is resolved. `tests/test_cli_startup.py`
checks that this table says what the modules register.
"""

from __future__ import annotations

import inspect
import json
import sys
from importlib import import_module
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

UNAVAILABLE_EXIT = 69
"""Exit status when a model could not be used (EX_UNAVAILABLE of sysexits.h)."""

COMMANDS: dict[str, tuple[str, str]] = {
    # command → (module that registers it, its one-line help)
    "import": ("evalign.cli.data_cmd",
               "Import human-labeled (or unlabeled) examples as a dataset."),
    "export": ("evalign.cli.data_cmd", "Export a dataset with its labels (and its latest "
               "run's verdicts) to JSONL or CSV."),
    "datasets": ("evalign.cli.data_cmd", "List, inspect, sample and delete datasets."),
    "judge": ("evalign.cli.judge_cmd", "Create, version, fork, export and import judges."),
    "models": ("evalign.cli.models_cmd",
               "Local GGUF models: list them and pull them into the cache."),
    "run": ("evalign.cli.run_cmd", "Run a judge over a dataset (or --resume a run), storing "
            "each verdict as it arrives."),
    "cancel": ("evalign.cli.run_cmd",
               "Cancel a run; cancelling twice, or a finished run, changes nothing."),
    "generate": ("evalign.cli.run_cmd",
                 "Fill a copy of DATASET with outputs from a model (the output source)."),
    "runs": ("evalign.cli.run_cmd", "List and inspect runs."),
    "report": ("evalign.cli.report_cmd",
               "Agreement of a run's verdicts with the human labels, with 95% intervals."),
    "disagreements": ("evalign.cli.report_cmd", "List the items where judge and humans "
                      "disagree, reasoning side by side."),
    "agreement": ("evalign.cli.report_cmd", "Inter-annotator agreement of a dataset: Fleiss "
                  "κ, Krippendorff α, pairwise Cohen κ."),
    "align": ("evalign.cli.align_cmd",
              "Align a judge with human labels, proven on held-out items."),
    "gate": ("evalign.cli.gate_cmd", "Exit 0 only if the judge is calibrated on the dataset, "
             "unchanged since, above the floor."),
    "serve": ("evalign.cli.serve_cmd", "Serve the web app (annotation queue, Eval Alignment, "
              "runs) over the store."),
    "worker": ("evalign.cli.serve_cmd", "Run pending benchmark runs and alignment runs (and "
               "resume orphaned ones)."),
}


def module_group(module: str) -> TyperGroup:
    """The Click group of the commands `module` registers (imports the module)."""
    sub = typer.Typer()

    @sub.callback()
    def _group() -> None:  # a callback keeps a one-command module a group
        """Commands of one module."""

    import_module(module).register(sub)
    group: TyperGroup = typer.main.get_group(sub)
    _reflow(group)
    return group


def _reflow(command: Any) -> None:
    """Give `command` and its subcommands help paragraphs without single line breaks.

    Typer's rich help keeps a docstring's single newlines after the first paragraph, so
    `--help` broke sentences mid-line at every terminal width; joined, Rich wraps them to the
    width. A paragraph that starts with `\\b` (Click's "keep as written") or holds indented
    lines stays as written; anything after `\\f` is left alone.
    """
    if command.help:
        shown, cut, rest = command.help.partition("\f")
        paragraphs = inspect.cleandoc(shown).split("\n\n")
        command.help = "\n\n".join(_joined(p) for p in paragraphs) + cut + rest
    for sub in getattr(command, "commands", {}).values():
        _reflow(sub)


def _joined(paragraph: str) -> str:
    lines = paragraph.splitlines()
    if paragraph.startswith("\b") or any(line[:1].isspace() for line in lines):
        return paragraph
    return " ".join(line.strip() for line in lines)


class _Listed(TyperCommand):
    """A command as `--help` lists it, before its module is imported."""

    def __init__(self, name: str, module: str, short: str):
        super().__init__(name, help=short, short_help=short, add_help_option=False)
        self.module = module

    def load(self, ctx: Any) -> Any:
        """The real command (importing its module)."""
        found = module_group(self.module).get_command(ctx, str(self.name))
        if found is None:
            raise RuntimeError(f"{self.module} does not register {self.name!r}: fix COMMANDS")
        return found


class _LazyGroup(TyperGroup):
    """The root group: commands from `COMMANDS`, loaded on resolution.

    `commands` (what tools such as `docs/gen_cli.py` walk) imports every command module and
    holds the whole tree; running or listing commands never reads it.
    """

    @property  # type: ignore[override]
    def commands(self) -> dict[str, Any]:
        found = dict(self._eager)
        for module in dict.fromkeys(m for m, _ in COMMANDS.values()):
            found.update(module_group(module).commands)
        return found

    @commands.setter
    def commands(self, value: dict[str, Any]) -> None:
        self._eager = dict(value)

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self._eager, *COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = self._eager.get(cmd_name)
        if found is None and cmd_name in COMMANDS:
            module, short = COMMANDS[cmd_name]
            found = _Listed(cmd_name, module, short)
        return found

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, cmd, rest = super().resolve_command(ctx, args)
        if isinstance(cmd, _Listed):
            cmd = cmd.load(ctx)
        return name, cmd, rest


app = typer.Typer(
    name="evalign",
    cls=_LazyGroup,
    help="Align LLM-as-a-judge evaluators with human judgement.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root() -> None:
    """Align LLM-as-a-judge evaluators with human judgement."""


@app.command("version")
def version(as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON.")
            ) -> None:
    """Print evalign's version."""
    from importlib.metadata import version as dist_version

    found = dist_version("evalign")
    typer.echo(json.dumps({"version": found}) if as_json else found)


def main() -> None:
    """Entry point: run the app; a `UserError` becomes a one-line message and its exit code.

    A model call that failed after the retries (`ProviderError`, e.g. the endpoint went down
    while a reflection model wrote checks) or a bad local model file is one line too, exit
    69 (`EX_UNAVAILABLE`): what the command stored says how far it got.

    With `--json` (or `--format json`) on the command line the message is a JSON object on
    stdout, `{"error": ..., "kind": ..., "exit_code": ...}`, so scripts read one format.
    """
    from evalign.errors import ModelFileError, ParseError, ProviderError, UserError

    try:
        app()
    except UserError as exc:
        _print_error(exc, exc.exit_code)
        sys.exit(exc.exit_code)
    except (ProviderError, ModelFileError) as exc:
        # an unreadable answer carries its own advice; a failed call or model file this one
        advice = "" if isinstance(exc, ParseError) else (
            " — the model could not be used; check the model or its endpoint and run the "
            "command again (answers already obtained are cached)")
        _print_error(RuntimeError(f"{exc}{advice}"), UNAVAILABLE_EXIT, type(exc).__name__)
        sys.exit(UNAVAILABLE_EXIT)


def _print_error(exc: Exception, code: int, kind: str | None = None) -> None:
    if _wants_json(sys.argv[1:]):
        body: dict[str, Any] = {"error": str(exc), "kind": kind or type(exc).__name__,
                                "exit_code": code}
        sys.stdout.write(json.dumps(body, ensure_ascii=False) + "\n")
        return
    from rich.markup import escape

    from evalign.cli.common import err_console

    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False,
                      soft_wrap=True)


def _wants_json(args: list[str]) -> bool:
    for i, arg in enumerate(args):
        if arg == "--json" or arg in ("--format=json", "-fjson"):
            return True
        if arg in ("--format", "-f") and i + 1 < len(args) and args[i + 1] == "json":
            return True
    return False
