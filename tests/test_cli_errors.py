"""A model that cannot be used mid-command is one line and exit 69, never a traceback."""

from __future__ import annotations

import importlib
import json
import sys

import pytest

from evalign.errors import TransientError

cli_app = importlib.import_module("evalign.cli.app")  # the module: `evalign.cli.app` is the app


def _fail() -> None:
    raise TransientError("openai/m: ClientConnectorError: Cannot connect to host 127.0.0.1:9")


@pytest.mark.parametrize("as_json", [False, True])
def test_a_failed_model_call_is_one_line_and_exit_69(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    monkeypatch.setattr(cli_app, "app", _fail)
    monkeypatch.setattr(sys, "argv", ["evalign", "align", "j", *(["--json"] * as_json)])
    with pytest.raises(SystemExit) as done:
        cli_app.main()
    assert done.value.code == cli_app.UNAVAILABLE_EXIT == 69
    out, err = capsys.readouterr()
    if as_json:
        body = json.loads(out)
        assert body["kind"] == "TransientError" and body["exit_code"] == 69
        assert "Cannot connect" in body["error"]
    else:
        assert "Traceback" not in err and err.startswith("error: openai/m")
        assert "check the model or its endpoint" in " ".join(err.split())
