"""Benchmark 4: `kill -9` at a random point of a 960-item `evalign run`, then `--resume`.

    python -m bench.crash_resume [--n 960] [--seed S]

Checks, from the store and the mock's per-key call counts: no item lost, no item whose
verdict was stored before the kill called again, and the final statistics identical to those
of an uninterrupted run.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import OUT, ROOT, machine, save, table
from bench.data import rows, write_jsonl
from bench.evalign_job import DATASET, JUDGE, verdicts
from bench.mock_provider import MockConfig, MockProcess
from bench.tools import evalign_env, evalign_prepare, run_evalign
from evalign import open_store
from evalign.stats import agreement_report_arrays

EVALIGN = str(Path(sys.executable).with_name("evalign"))


def stats_of(stored: dict[str, dict[str, Any]], targets: dict[str, str]) -> dict[str, Any]:
    """The agreement statistics of a run's verdicts against the human labels."""
    ids = sorted(targets)
    human = np.array([targets[i] == "pass" for i in ids])
    judge = np.array([str(stored[i]["value"]) == "pass" for i in ids])
    p_pass = np.array([stored[i]["p_pass"] for i in ids], dtype=float)
    report = agreement_report_arrays(human, judge, p_pass=p_pass)
    keys = ("comparisons", "agreement", "agreement_ci", "kappa", "mcc", "confusion", "auc", "brier")
    return {k: report.get(k) for k in keys}


def _stored(db: Path, run_id: int) -> dict[str, dict[str, Any]]:
    store = open_store(db)
    try:
        return verdicts(store, run_id)
    finally:
        store.close()


def _status(db: Path) -> str:
    import sqlalchemy as sa

    from evalign.store import models as m

    store = open_store(db)
    try:
        with store.session() as session:
            return str(session.scalar(sa.select(m.Run.status).where(m.Run.id == 1)))
    finally:
        store.close()


def _wait_for_answers(mock: MockProcess, count: int, proc: subprocess.Popen[bytes]) -> float:
    """Wait until the mock has answered `count` calls; returns the seconds since the first."""
    first = None
    while proc.poll() is None:
        answered = int(mock.stats()["answered"])
        if answered and first is None:
            first = time.monotonic()
        if answered >= count:
            break
        time.sleep(0.02)
    return time.monotonic() - (first or time.monotonic())


def crash_and_resume(n: int, config: MockConfig, kill_at: int) -> dict[str, Any]:
    """Start a run, SIGKILL it once `kill_at` calls were answered, resume it; the evidence."""
    path = write_jsonl(OUT / f"rows-{n}.jsonl", rows(n))
    db = Path(tempfile.mkdtemp(prefix="evalign-crash-")) / "bench.db"
    with MockProcess(config) as mock:
        evalign_prepare(db, path, mock.url)
        proc = subprocess.Popen(
            [
                EVALIGN,
                "run",
                JUDGE,
                "--dataset",
                DATASET,
                "--no-cache",
                "--db",
                str(db),
                "--concurrency",
                str(config.max_in_flight),
                "--json",
            ],
            cwd=ROOT,
            env=evalign_env(mock.url),
            stdout=subprocess.DEVNULL,
        )
        kill_after = _wait_for_answers(mock, kill_at, proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        at_kill = mock.stats()["calls_per_key"]
        committed = _stored(db, 1)
        status_after_kill = _status(db)
        time.sleep(0.5)  # calls in flight at the kill finish on the mock's side
        before_resume = mock.stats()["calls_per_key"]
        resumed = subprocess.run(
            [
                EVALIGN,
                "run",
                "--resume",
                "1",
                "--db",
                str(db),
                "--concurrency",
                str(config.max_in_flight),
                "--json",
            ],
            cwd=ROOT,
            env=evalign_env(mock.url),
            capture_output=True,
            text=True,
        )
        if resumed.returncode != 0:
            raise RuntimeError(f"resume failed:\n{resumed.stderr[-3000:]}")
        final_calls = mock.stats()["calls_per_key"]
    final = _stored(db, 1)
    resume_calls = {k: v - before_resume.get(k, 0) for k, v in final_calls.items()}
    return {
        "kill_after_s": kill_after,
        "answered_at_kill": kill_at,
        "status_after_kill": status_after_kill,
        "stored_at_kill": len(committed),
        "called_at_kill": len(at_kill),
        "final_verdicts": len(final),
        "lost": n - len(final),
        "stored_then_called_again": sum(resume_calls.get(k, 0) > 0 for k in committed),
        "called_twice": sum(v > 1 for v in final_calls.values()),
        "in_flight_at_kill": sum(1 for k in before_resume if k not in committed),
        "final": final,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=960)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--latency-ms", type=float, default=200)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    config = MockConfig(latency_ms=args.latency_ms, max_in_flight=64, rpm=6000, keep_timeline=False)
    targets = {r["id"]: r["target"] for r in rows(args.n)}
    path = write_jsonl(OUT / f"rows-{args.n}.jsonl", rows(args.n))
    with MockProcess(config) as mock:
        reference = run_evalign(path, mock.url, concurrency=config.max_in_flight)
    ref_stored = reference.extra["verdicts"]
    got = crash_and_resume(args.n, config, rng.randint(args.n // 10, args.n * 9 // 10))
    same_verdicts = all(
        got["final"].get(k, {}).get("value") == v["value"] for k, v in ref_stored.items()
    )
    same_stats = stats_of(got["final"], targets) == stats_of(ref_stored, targets)
    text = table(
        f"Crash and resume: {args.n} items, kill -9 {got['kill_after_s']:.1f} s into the run, "
        f"after {got['answered_at_kill']} answers ({machine()})",
        [
            "status after kill",
            "stored at kill",
            "items lost",
            "stored items called again",
            "items called twice (in flight at kill)",
            "verdicts identical",
            "statistics identical",
        ],
        [
            [
                got["status_after_kill"],
                got["stored_at_kill"],
                got["lost"],
                got["stored_then_called_again"],
                f"{got['called_twice']} ({got['in_flight_at_kill']})",
                same_verdicts,
                same_stats,
            ]
        ],
    )
    save("crash_resume", text)


if __name__ == "__main__":
    main()
