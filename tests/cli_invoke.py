"""Running the CLI in-process as `main()` would, for tests that read its output."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.errors import UserError


def invoke(*args: str) -> tuple[int, str]:
    """Exit code and output as `main()` gives them (a `UserError` exits 2 with its message)."""
    result = CliRunner().invoke(app, list(args))
    if isinstance(result.exception, UserError):
        return 2, str(result.exception)
    return result.exit_code, result.output


def invoke_json(*args: str) -> Any:
    """The command's `--json`/`--format json` output, read; the command must succeed."""
    code, out = invoke(*args)
    assert code == 0, out
    return json.loads(out)
