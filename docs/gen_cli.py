"""Write docs/cli.md from the CLI's own command tree: `.venv/bin/python docs/gen_cli.py`.

tests/test_readme.py fails when a command or option is missing from docs/cli.md, so run this
after changing the CLI, then read the diff.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from evalign.cli.app import app

OUT = Path(__file__).with_name("cli.md")
HEADER = """# Command line reference

Generated from the CLI itself by `docs/gen_cli.py` (`evalign COMMAND --help` says the same).
Every command that reads or writes the store takes `--db` (a SQLite file path or a
`postgresql://` URL; default `$EVALIGN_DB`, else `./evalign.db`); most take `--json` for
machine-readable output. User errors print one line, `error: ...`, and exit with status 2.
`evalign align JUDGE ...` starts an alignment run; its other subcommands manage runs.

"""


def _type_name(param: Any) -> str:
    ann = param.type_descriptor.annotation
    if typing.get_origin(ann) is list:
        ann = typing.get_args(ann)[0]
    args = [a for a in typing.get_args(ann) if a is not type(None)]
    if typing.get_origin(ann) is not typing.Literal and len(args) == 1:
        ann = args[0]
    if typing.get_origin(ann) is typing.Literal:
        return "|".join(map(str, typing.get_args(ann)))
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        return "|".join(str(m.value) for m in ann)
    names = {str: "TEXT", int: "INT", float: "NUMBER"}
    return names.get(ann, getattr(ann, "__name__", str(ann)).upper())


def _option_row(param: Any) -> str:
    names = ", ".join(f"`{o}`" for o in param.opts + param.secondary_opts)
    value = "flag" if param.is_flag else "`" + _type_name(param).replace("|", "\\|") + "`"
    text = (param.help or "").replace("\n", " ").replace("|", "\\|")
    extras = []
    if param.required:
        extras.append("required")
    if param.multiple and "repeatable" not in text.lower():
        extras.append("repeatable")
    default = getattr(param.default, "value", param.default)
    if default is not None and default is not False and default not in ((), []) \
            and not param.is_flag:
        extras.append(f"default: `{default}`")
    if param.envvar:
        extras.append(f"env: `{param.envvar}`")
    if param.min is not None:
        extras.append(f"at least {param.min}")
    more = f" ({'; '.join(extras)})" if extras else ""
    return f"| {names} | {value} | {text}{more} |"


def _commands(group: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    for name, command in group.commands.items():
        # `evalign align JUDGE` is the hidden `start` command of the align group.
        if getattr(command, "hidden", False) and name != "start":
            continue
        sub = path if name == "start" else f"{path} {name}".strip()
        if hasattr(command, "commands"):
            yield from _commands(command, sub)
        else:
            yield sub, command


def _section(path: str, command: Any) -> str:
    args = [p for p in command.params if p.param_type_name == "argument"]
    usage = " ".join(a.name.upper() if a.required else f"[{a.name.upper()}]" for a in args)
    lines = [f"### `evalign {path}`", "",
             (command.help or "").strip().split("\n\n")[0].replace("\n", " "), "",
             "```", f"evalign {path} [OPTIONS] {usage}".rstrip(), "```", ""]
    for a in args:
        optional = "" if a.required else " (optional)"
        lines.append(f"- `{a.name.upper()}`{optional}: {getattr(a, 'help', '') or ''}".rstrip())
    if args:
        lines.append("")
    rows = [_option_row(p) for p in command.params
            if p.param_type_name == "option" and p.name != "help"]
    if rows:
        lines += ["| option | value | meaning |", "|---|---|---|", *rows, ""]
    return "\n".join(lines)


def _overview(root: Any) -> str:
    rows = ["| command | what it does |", "|---|---|"]
    for name, command in root.commands.items():
        if getattr(command, "hidden", False):
            continue
        summary = (command.help or "").strip().split("\n\n")[0].replace("\n", " ")
        if hasattr(command, "commands"):
            subs = ", ".join("`JUDGE`" if n == "start" else f"`{n}`"
                             for n, c in command.commands.items()
                             if not getattr(c, "hidden", False))
            summary += f" ({subs})"
        rows.append(f"| `evalign {name}` | {summary} |")
    return "\n".join(rows) + "\n\n"


def main() -> None:
    """Regenerate docs/cli.md."""
    root = typer.main.get_command(app)
    body = "\n".join(_section(path, cmd) for path, cmd in _commands(root))
    OUT.write_text(HEADER + _overview(root) + body)


if __name__ == "__main__":
    main()
