"""Running a field case through evalign's CLI, as its `run.sh` does.

Each case gets a fresh store under the test's tmp_path, reads its inputs from
`../shared/field-cases/cases/<case>/` (relative to the repository root) and, when it calls a
judge, talks to the case's loopback mock (`mockjudge.py`) on a free port. evalign runs as a
subprocess — the console script beside the test's Python — so exit codes, error lines and the
absence of tracebacks are checked as a user sees them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
FIELD_CASES = ROOT.parent / "shared" / "field-cases"
CASES = FIELD_CASES / "cases"
# Variables a user's shell may set that would change what a case measures.
_CLEARED = ("EVALIGN_DB", "EVALIGN_MODEL", "EVALIGN_PRICES", "EVALIGN_TOKEN", "OPENAI_BASE_URL",
            "OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY")


@dataclass(frozen=True)
class Result:
    """One evalign command: its exit code and what it printed."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        """stdout and stderr together, for messages that may go to either."""
        return self.out + self.err

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.out)

    def __str__(self) -> str:
        return (f"$ evalign {' '.join(self.args)}\n[exit {self.code}]\n--- stdout\n{self.out}"
                f"\n--- stderr\n{self.err}")


class Mock:
    """The case's mock judge on a loopback port; `requests()` reads what it was sent."""

    def __init__(self, answers: Path, log: Path):
        self.answers, self.log = answers, log
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._process = subprocess.Popen(
            [sys.executable, str(FIELD_CASES / "mockjudge.py"), str(self.answers),
             str(self.port), str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"mockjudge.py did not start on port {self.port}")

    def stop(self) -> None:
        """Stop the server (only the process this mock started)."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def requests(self) -> list[dict[str, Any]]:
        """Every request the mock got: `key`, `n`, `status`, `answer`, `body`."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def user_prompts(self) -> list[str]:
        """The user message of each request, as sent."""
        prompts = []
        for request in self.requests():
            users = [m for m in request["body"]["messages"] if m.get("role") == "user"]
            content = users[-1]["content"] if users else ""
            if isinstance(content, list):
                content = " ".join(str(p.get("text", "")) for p in content
                                   if isinstance(p, dict))
            prompts.append(str(content))
        return prompts


class FieldCase:
    """One field case: its folder, a fresh store, and evalign as a subprocess."""

    def __init__(self, name: str, tmp: Path):
        self.dir = CASES / name
        self.tmp = tmp
        # None unsets a variable for the command (CliRunner restores it afterwards).
        self.env: dict[str, str | None] = {k: None for k in _CLEARED if k in os.environ}
        self.env |= {"EVALIGN_DB": str(tmp / "store.db"), "NO_COLOR": "1", "COLUMNS": "200"}

    def path(self, name: str) -> str:
        """The absolute path of one of the case's input files."""
        return str(self.dir / name)

    def run(self, *args: str) -> Result:
        """Run `evalign ARGS` in the case's store and environment."""
        done = CliRunner().invoke(app, list(args), env=self.env)
        code, err = done.exit_code, done.stderr
        if isinstance(done.exception, UserError):
            code, err = done.exception.exit_code, err + f"error: {done.exception}\n"
        elif done.exception is not None and not isinstance(done.exception, SystemExit):
            raise AssertionError(f"evalign {' '.join(args)} crashed (a traceback for a user)"
                                 f"\n{done.stdout}\n{err}") from done.exception
        return Result(tuple(args), code, done.stdout, err)

    def ok(self, *args: str) -> Result:
        """Run `evalign ARGS` and require exit 0."""
        result = self.run(*args)
        assert result.code == 0, str(result)
        return result

    def json(self, *args: str) -> Any:
        """Run `evalign ARGS` (which must print JSON) and parse its stdout."""
        return self.ok(*args).json()

    @contextmanager
    def mock(self, answers: str = "answers.json", log: str = "mock.log") -> Iterator[Mock]:
        """The case's mock judge, with `OPENAI_BASE_URL` pointing at it while inside."""
        server = Mock(self.dir / answers, self.tmp / log)
        server.start()
        saved = {k: self.env.get(k) for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY")}
        self.env |= {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "dummy"}
        try:
            yield server
        finally:
            server.stop()
            self.env |= saved


def open_case(name: str, tmp: Path) -> FieldCase:
    """The case `name`, or a skip when the shared field-cases folder is absent."""
    if not (CASES / name).is_dir():
        pytest.skip(f"field case {name} is absent: expected {CASES / name} (the shared "
                    "field-cases folder beside the repository)")
    return FieldCase(name, tmp)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def exported(case: FieldCase, dataset: str) -> list[dict[str, Any]]:
    """`evalign export DATASET` as rows (`id`, `inputs`, `output`, `labels`, ...)."""
    path = case.tmp / f"{dataset}.export.jsonl"
    case.ok("export", dataset, str(path))
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def verdicts_by_key(case: FieldCase, run: int, dataset: str = "d") -> dict[str, dict[str, Any]]:
    """The verdicts of `runs show RUN --json` (first sample), keyed by the item's `key` field."""
    keys = {row["id"]: row["inputs"]["key"] for row in exported(case, dataset)}
    shown = case.json("runs", "show", str(run), "--json")
    return {keys[v["item"]]: v for v in shown["items"] if v.get("sample", 0) == 0}


def judge_data_csv(case: FieldCase, *, scale: str | None = None) -> dict[str, dict[str, Any]]:
    """The answers cases' script: import data.csv, create judge `j` on the mock, run it once.

    `evalign run` may exit 3 (too many errors): that is the run's verdict on itself, not a
    crash; the verdicts are read back either way.
    """
    extra = ["--scale", scale] if scale else []
    with case.mock():
        case.ok("import", case.path("data.csv"), "--dataset", "d", *extra)
        case.ok("judge", "create", "j", "--prompt-file", case.path("prompt.txt"),
                "--model", "openai/whatever", "--dataset", "d", *extra)
        run = case.run("run", "j", "--dataset", "d")
        assert run.code in (0, 3), str(run)
    return verdicts_by_key(case, 1)


def assert_readings(verdicts: dict[str, dict[str, Any]], right: dict[str, Any],
                    may_be_unreadable: Iterable[str] = ()) -> None:
    """Each item reads as `right[key]`, or, where allowed, is an error that keeps its raw text.

    A value other than the right one is a silent misread: always a failure.
    """
    allowed = set(may_be_unreadable)
    wrong = {}
    for key, value in right.items():
        verdict = verdicts[key]
        if verdict["error"] is not None and verdict["value"] is None:
            if key not in allowed:
                wrong[key] = f"error {verdict['error']!r}, expected {value!r}"
            elif not verdict["raw"]:
                wrong[key] = f"error {verdict['error']!r} without the raw answer kept"
        elif verdict["value"] != value:
            wrong[key] = f"read {verdict['value']!r} from {verdict['raw']!r}, expected {value!r}"
    assert not wrong, wrong
