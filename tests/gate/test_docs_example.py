"""docs/gate.md's CI example runs: its shell blocks through the installed `evalign`, its pytest
file through pytest with the evalign plugin, against a real store; an edited prompt then fails
both, as the docs promise."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from evalign.store import open_store
from evalign.workflows.judge_catalog import create, edit
from tests.gate.helpers import PROMPT, seed

DOC = Path(__file__).resolve().parents[2] / "docs" / "gate.md"
BIN = Path(sys.executable).parent


def block(marker: str) -> str:
    """The fenced code block right after `<!-- marker -->` in docs/gate.md."""
    found = re.search(rf"<!-- {marker} -->\n```\w+\n(.*?)^```", DOC.read_text(), re.S | re.M)
    assert found, f"docs/gate.md has no block after <!-- {marker} -->"
    return found.group(1)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    db = tmp_path / "ci.db"
    store = open_store(db)
    seed(store, tmp_path)
    create(store, "helpfulness", prompt=PROMPT, scale="pass_fail", model="scripted/field:truth")
    store.close()
    return os.environ | {"EVALIGN_DB": str(db), "PATH": f"{BIN}:{os.environ['PATH']}"}


def shell(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-c", script], env=env, cwd=cwd, text=True,
                          capture_output=True, timeout=120)


def run_pytest(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "ci" / "test_judge_gate.py"
    test.parent.mkdir(exist_ok=True)
    test.write_text(block("gate-ci-pytest"))
    plugin = [] if entry_points(group="pytest11", name="evalign") else ["-p", "evalign.testing"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin,
         "--rootdir", str(test.parent), str(test)],
        env=env, cwd=test.parent, text=True, capture_output=True, timeout=180)


def test_ci_example_passes_then_blocks_an_edited_judge(env: dict[str, str],
                                                       tmp_path: Path) -> None:
    setup = shell(block("gate-ci-setup"), env, tmp_path)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    check = shell(block("gate-ci-check"), env, tmp_path)
    assert check.returncode == 0 and "PASS" in check.stdout, check.stdout + check.stderr
    tests = run_pytest(tmp_path, env)
    assert tests.returncode == 0 and "2 passed" in tests.stdout, tests.stdout + tests.stderr

    store = open_store(env["EVALIGN_DB"])
    edit(store, "helpfulness", prompt="Be generous.\n" + PROMPT)
    store.close()
    check = shell(block("gate-ci-check"), env, tmp_path)
    assert check.returncode == 1 and "changed: prompt" in check.stdout, check.stdout
    tests = run_pytest(tmp_path, env)
    assert tests.returncode == 1 and "2 failed" in tests.stdout, tests.stdout
    assert "helpfulness@2 changed since it was calibrated" in tests.stdout
