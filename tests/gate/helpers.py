"""A labeled dataset whose items carry their own label in a `truth` field, and CLI helpers.

`scripted/field:truth` therefore agrees with every human label (a calibrated judge), while
`scripted/constant:PASS` agrees with half of them (an uncalibrated one).
"""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.data.importer import import_file
from evalign.errors import UserError
from evalign.store import Store
from evalign.workflows.judge_catalog import create

PROMPT = "Is this answer correct?\n\nQuestion: {question}\nAnswer: {output}\n"
runner = CliRunner()


def write_gold(path: Path, n: int = 40) -> Path:
    """A CSV of `n` items, half pass and half fail, each with its label in `truth`."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "question", "output", "truth", "label"])
        for i in range(n):
            label = "pass" if i % 2 == 0 else "fail"
            out.writerow([f"q{i}", f"What is {i} + {i}?", str(i + i if label == "pass" else i),
                          label.upper(), label])
    return path


def seed(store: Store, tmp_path: Path, n: int = 40) -> None:
    """Dataset `gold`, judges `good` (scripted/field:truth) and `constant` (always PASS)."""
    import_file(store, write_gold(tmp_path / "gold.csv", n), "gold")
    create(store, "good", prompt=PROMPT, scale="pass_fail", model="scripted/field:truth")
    create(store, "constant", prompt=PROMPT, scale="pass_fail", model="scripted/constant:PASS")


def invoke(*args: str) -> tuple[int, str]:
    """Exit code and output as `main()` gives them (a `UserError` exits 2 with its message)."""
    result = runner.invoke(app, list(args))
    if isinstance(result.exception, UserError):
        return 2, str(result.exception)
    return result.exit_code, result.output
