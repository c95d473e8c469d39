"""`--help` wraps docstring paragraphs to the terminal: no line break left mid-sentence.

Typer's rich help keeps a docstring's single newlines after its first paragraph, so `evalign
run --help` printed "… held out. Exits 3 when" / "the errors' share …" at any width. The root
app joins them (`evalign.cli.app`), for every command.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from evalign.cli.app import app


@pytest.mark.parametrize("columns", ["80", "120"])
def test_run_help_wraps_its_paragraphs(columns: str) -> None:
    result = CliRunner().invoke(app, ["run", "--help"],
                                env={"COLUMNS": columns, "TERMINAL_WIDTH": columns})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= int(columns)
    assert "Exits 3 when the errors' share" in result.output  # one sentence, wrapped by Rich
    assert not re.search(r"Exits 3 when\s*\n", result.output)


def test_no_command_help_keeps_a_single_line_break() -> None:
    broken: list[str] = []

    def walk(command: Any, path: str) -> None:
        shown = inspect.cleandoc(command.help or "").partition("\f")[0]
        broken.extend(path for paragraph in shown.split("\n\n")[1:] if "\n" in paragraph)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "evalign")
    assert broken == []
