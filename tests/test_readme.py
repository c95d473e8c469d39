"""The README's tour is run: every `bash` block after the opening one, command by command.

Commands run in-process through the CLI app (a subprocess per command would cost seconds of
imports each), in a temporary folder laid out like the checkout (`docs/` and `../shared/` are
links), with the local model replaced by `scripted/hash` so the tour takes seconds. Lines that
need a terminal, a server or the network are skipped, each for a stated reason; anything else
the test does not know how to run fails it, so the README cannot drift into commands nobody
ran. The README's Python example runs too. The same file checks that the format examples in
docs/examples import, and that docs/cli.md and docs/store.md cover every command, option, table
and column.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app
from tests import pgserver

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("EVALIGN_SHARED", ROOT.parent / "shared"))
README = ROOT / "README.md"
CLI_DOC = ROOT / "docs" / "cli.md"
EXAMPLES = ROOT / "docs" / "examples"
LOCAL_MODEL = re.compile(r"local/qwen2\.5-coder-[0-9.]+b")
FAST_MODEL = "scripted/hash"
SKIPPED = {
    "make": "sets up the machine",
    "evalign serve": "serves until stopped",
    "evalign models pull": "downloads from the network",
    "curl": "talks to `evalign serve`",
}
PG_PREFIX = "postgresql://"


def tour_commands(text: str) -> list[str]:
    """Shell commands of every ```bash block after the first, continuation lines joined."""
    blocks = re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M)[1:]
    commands: list[str] = []
    for block in blocks:
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.split(" # ")[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def skip_reason(command: str) -> str | None:
    """Why a command is not run here, or None."""
    words = _without_env(shlex.split(command))
    for prefix, reason in SKIPPED.items():
        if " ".join(words).startswith(prefix):
            return reason
    return None


def _without_env(words: list[str]) -> list[str]:
    return list(_drop_assignments(words))


def _drop_assignments(words: list[str]) -> Iterator[str]:
    at_start = True
    for word in words:
        if at_start and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", word):
            continue
        at_start = False
        yield word


def _env_prefix(words: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for word in words:
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", word):
            break
        key, _, value = word.partition("=")
        env[key] = value
    return env


class Tour:
    """Runs tour commands one by one, keeping the environment `export` lines set."""

    def __init__(self, pg: pgserver.PgServer | None) -> None:
        self.env: dict[str, str] = {"EVALIGN_MODEL": FAST_MODEL}
        self.pg = pg
        self.pg_urls: dict[str, str] = {}
        self.runner = CliRunner()

    def run(self, command: str) -> str | None:
        """Run one command; return why it was skipped, or None when it ran and exited 0."""
        reason = skip_reason(command)
        if reason:
            return reason
        words = shlex.split(LOCAL_MODEL.sub(FAST_MODEL, command))
        if words[0] == "export":
            key, _, value = words[1].partition("=")
            self.env[key] = value
            return None
        env = {**self.env, **_env_prefix(words)}
        if env.get("EVALIGN_DB", "").startswith(PG_PREFIX):
            if self.pg is None:
                return "PostgreSQL is not installed"
            env["EVALIGN_DB"] = self._pg_url(env["EVALIGN_DB"])
        args = _without_env(words)
        assert args[0] == "evalign", f"the README runs {args[0]!r}: teach tests/test_readme.py"
        result = self.runner.invoke(app, args[1:], env=env)
        assert result.exit_code == 0, (
            f"{command}\n exited {result.exit_code}: {result.exception!r}\n{result.output}")
        return None

    def _pg_url(self, documented: str) -> str:
        # One fresh database per URL the README names, so its commands see each other's rows.
        if documented not in self.pg_urls:
            assert self.pg is not None
            name = f"readme{os.getpid()}_{len(self.pg_urls)}"
            self.pg_urls[documented] = self.pg.create_database(name)
        return self.pg_urls[documented]


@pytest.fixture
def checkout_like(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder where `docs/...` and `../shared/...` resolve as in the checkout."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "docs").symlink_to(ROOT / "docs")
    (tmp_path / "shared").symlink_to(SHARED)
    monkeypatch.chdir(work)
    for var in ("EVALIGN_DB", "EVALIGN_MODEL"):
        monkeypatch.delenv(var, raising=False)
    return work


def test_the_tour_has_the_documented_steps() -> None:
    commands = tour_commands(README.read_text())
    text = "\n".join(commands)
    for step in ("evalign import", "evalign judge create", "evalign run", "evalign report",
                 "evalign disagreements", "evalign align ", "evalign align accept",
                 "evalign judge export", "evalign serve", "evalign agreement", PG_PREFIX):
        assert step in text, f"the README tour lost its {step!r} step"


def test_readme_tour_runs(checkout_like: Path, pg_server: pgserver.PgServer | None) -> None:
    tour = Tour(pg_server)
    skipped: dict[str, str] = {}
    for command in tour_commands(README.read_text()):
        reason = tour.run(command)
        if reason:
            skipped[command] = reason
    ran = len(tour_commands(README.read_text())) - len(skipped)
    assert ran >= 15, f"only {ran} tour commands ran; skipped: {skipped}"
    if pg_server is not None:
        assert tour.pg_urls, "the PostgreSQL step did not run"
    assert (checkout_like / "ragas-judge.yaml").exists()
    assert (checkout_like / "evalsbench-judged.jsonl").exists()


def test_readme_python_runs(checkout_like: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"^```python\n(.*?)^```", README.read_text(), flags=re.S | re.M)
    assert blocks, "the README lost its Python example"
    for block in blocks:
        exec(compile(LOCAL_MODEL.sub(FAST_MODEL, block), "README.md", "exec"), {})
    assert capsys.readouterr().out.strip()


def test_format_examples_import(tmp_path: Path) -> None:
    db = str(tmp_path / "f.db")
    runner = CliRunner()
    for path in sorted(EXAMPLES.iterdir()):
        if path.suffix not in (".csv", ".tsv", ".json", ".jsonl"):
            continue
        args = ["import", str(path), "--dataset", path.stem + path.suffix, "--db", db]
        if path.stem == "stars":
            args += ["--scale", "stars", "--criterion", "helpfulness"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"{path.name}: {result.output}"
    judge_file = tmp_path / "judge.yaml"
    judge_file.write_text(re.findall(r"^```yaml\n(.*?)^```", (ROOT / "docs" / "formats.md")
                                     .read_text(), flags=re.S | re.M)[0])
    result = runner.invoke(app, ["judge", "import", str(judge_file), "--db", db])
    assert result.exit_code == 0, f"the judge file of docs/formats.md: {result.output}"


def _commands(group: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    for name, command in getattr(group, "commands", {}).items():
        if getattr(command, "hidden", False) and name != "start":
            continue
        # `evalign align JUDGE` is the hidden `start` command.
        sub = path if name == "start" else f"{path} {name}".strip()
        if hasattr(command, "commands"):
            yield from _commands(command, sub)
        else:
            yield sub, command


def test_cli_doc_covers_every_command_and_option() -> None:
    import typer

    doc = CLI_DOC.read_text()
    sections = re.split(r"^### ", doc, flags=re.M)
    by_heading = {s.split("\n", 1)[0].strip("` "): s for s in sections[1:]}
    missing: list[str] = []
    for path, command in _commands(typer.main.get_command(app)):
        section = by_heading.get(f"evalign {path}")
        if section is None:
            missing.append(f"evalign {path}")
            continue
        for param in command.params:
            if param.param_type_name == "option" and param.name != "help":
                missing += [f"evalign {path} {o}" for o in param.opts if f"`{o}`" not in section]
    assert not missing, "docs/cli.md lacks (regenerate it with docs/gen_cli.py): " + ", ".join(
        missing)


def test_store_doc_lists_every_table_and_column() -> None:
    from evalign.store.models import Base

    doc = (ROOT / "docs" / "store.md").read_text()
    sections = {s.split("\n", 1)[0].strip("` "): s for s in re.split(r"^### ", doc, flags=re.M)}
    missing: list[str] = []
    for name, table in Base.metadata.tables.items():
        section = sections.get(name)
        if section is None:
            missing.append(name)
            continue
        missing += [f"{name}.{c.name}" for c in table.columns if f"| `{c.name}` |" not in section]
    assert not missing, "docs/store.md lacks (regenerate with docs/gen_schema.py): " + ", ".join(
        missing)
