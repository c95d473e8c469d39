"""Run each tool (evalign and its peers) over bench rows against a mock, and check the answers.

Every tool runs in its own process against the same mock provider process; each reports the
wall time of its judging call (imports and setup excluded) and one value or error per row.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import BENCH_API_KEY, NO_TELEMETRY, ROOT, peer_env, peer_python
from bench.mock_provider import expected_for_key

PEER_SCRIPTS = {
    "ragas": ROOT / "bench" / "peers" / "ragas_judge.py",
    "deepeval": ROOT / "bench" / "peers" / "deepeval_judge.py",
}


@dataclass
class ToolRun:
    """One tool's run: wall time and a value (pass/fail) or an error per row id."""

    tool: str
    wall_s: float
    values: dict[str, str | None]
    errors: dict[str, str | None]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Check:
    """How a run's answers compare with what the mock intended."""

    correct: int
    mislabeled: int
    errors: int
    missing: int


def evalign_env(base_url: str) -> dict[str, str]:
    """Environment for an evalign process: the mock's URL and a dummy key, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_"))}
    env.update(NO_TELEMETRY)
    src = str(ROOT / "src")
    env.update(
        {
            "OPENAI_BASE_URL": base_url,
            "OPENAI_API_KEY": BENCH_API_KEY,
            "PYTHONPATH": os.pathsep.join([str(ROOT), src]),
        }
    )
    return env


def evalign_prepare(db: Path, rows_path: Path, base_url: str) -> None:
    """Import rows and create the bench judge in a fresh store at `db`."""
    _job(["prepare", "--db", str(db), "--rows", str(rows_path)], base_url)


def _job(args: list[str], base_url: str, timeout: float = 900) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.evalign_job", *args],
        cwd=ROOT,
        env=evalign_env(base_url),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"evalign job {args[0]} failed:\n{proc.stderr[-3000:]}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def run_evalign(
    rows_path: Path,
    base_url: str,
    *,
    concurrency: int | None = None,
    timeout: float | None = None,
    db: Path | None = None,
    executor: str = "asyncio",
) -> ToolRun:
    """evalign in a fresh store: prepare, then one `run_judge`; verdicts read back."""
    from bench.evalign_job import verdicts
    from evalign import open_store

    db = db or Path(tempfile.mkdtemp(prefix="evalign-bench-")) / "bench.db"
    evalign_prepare(db, rows_path, base_url)
    args = ["run", "--db", str(db), "--executor", executor]
    if concurrency:
        args += ["--concurrency", str(concurrency)]
    if timeout:
        args += ["--timeout", str(timeout)]
    summary = _job(args, base_url)
    store = open_store(db)
    try:
        stored = verdicts(store, int(summary["run"]))
    finally:
        store.close()
    return ToolRun(
        tool="evalign",
        wall_s=float(summary["measured_wall_s"]),
        values={
            k: (str(v["value"]) if v["value"] is not None else None) for k, v in stored.items()
        },
        errors={
            k: (f"{v['error_kind']}: {v['error']}" if v["error"] else None)
            for k, v in stored.items()
        },
        extra={"summary": summary, "verdicts": stored, "db": str(db)},
    )


def run_peer(name: str, rows_path: Path, base_url: str, timeout: float = 1800) -> ToolRun:
    """A peer's judge script in its own virtualenv.

    A peer whose run aborts (an exception escapes its evaluate call) is reported, not raised:
    every row is then lost, and `extra["aborted"]` holds the exception's last line.
    """
    out = Path(tempfile.mkdtemp(prefix=f"{name}-bench-")) / "out.json"
    started = time.perf_counter()
    proc = subprocess.run(
        [str(peer_python(name)), str(PEER_SCRIPTS[name]), str(rows_path), str(out)],
        env=peer_env(base_url),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=out.parent,
    )
    if proc.returncode != 0 or not out.exists():
        last = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()][-1:] or ["?"]
        return ToolRun(
            tool=name,
            wall_s=time.perf_counter() - started,
            values={},
            errors={},
            extra={"aborted": last[0][:200]},
        )
    data = json.loads(out.read_text())
    return ToolRun(
        tool=name,
        wall_s=float(data["wall_s"]),
        values={r["id"]: r["value"] for r in data["results"]},
        errors={r["id"]: r["error"] for r in data["results"]},
    )


def check(run: ToolRun, ids: list[str], seed: int = 0) -> Check:
    """Compare a run's answers with the mock's intended verdict per row id.

    A row counts as correct when its value equals the intended verdict, as an error when the
    tool recorded an error and no value, as mislabeled when it holds the other verdict or an
    invented value (a silent mislabel), and as missing when the tool reported nothing.
    """
    correct = mislabeled = errors = missing = 0
    for item_id in ids:
        value, error = run.values.get(item_id), run.errors.get(item_id)
        if value is None and error is None:
            missing += 1
        elif value is None:
            errors += 1
        elif value.strip().upper() == expected_for_key(item_id, seed):
            correct += 1
        else:
            mislabeled += 1
    return Check(correct, mislabeled, errors, missing)
