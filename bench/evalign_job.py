"""evalign's side of the benchmarks: import the bench rows, create the judge, run it.

Used in-process by the benchmarks and as a separate process (so it can be killed):
``python -m bench.evalign_job run --db DB --rows ROWS.jsonl --concurrency 64``
prints the run summary as one JSON line; ``resume --db DB --run ID`` finishes a run.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from bench.data import JUDGE_PROMPT
from evalign import JudgeSpec, ScoreConfig, open_store, resume_run, run_judge
from evalign.data.importer import import_file
from evalign.runner import RetryPolicy
from evalign.store import Store, repo_judges

DATASET = "bench"
JUDGE = "bench-judge"


def prepare(store: Store, rows_path: Path, model: str = "openai/mock") -> None:
    """Import the rows as dataset `bench` and create judge `bench-judge` (the shared prompt)."""
    import_file(store, rows_path, DATASET, max_bytes=10 * 2**30)  # 100,000 rows are ~300 MB
    spec = JudgeSpec(prompt=JUDGE_PROMPT, scale=ScoreConfig(kind="pass_fail"), model=model)
    with store.session() as session:
        repo_judges.create_judge(session, JUDGE, spec, criterion="default")


def policy(timeout: float | None) -> RetryPolicy | None:
    """The runner's default retry policy, with a shorter call timeout when asked."""
    return None if timeout is None else RetryPolicy(timeout=timeout)


def run(store: Store, concurrency: int | None, timeout: float | None = None,
        executor: str = "asyncio") -> dict[str, Any]:
    """Run the bench judge over the bench dataset; the summary plus the measured wall time.

    With `executor="ray"` a local Ray (2 CPUs) is started before the clock, as a cluster would
    be running already; starting the run's workers is inside the measured time.
    """
    # Peers import their SDK before their clock starts; evalign imports its provider lazily, on
    # the first call, so import it here for the same footing (setup excluded on every side).
    import evalign.providers.openai  # noqa: F401

    if executor == "ray":
        import ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    started = time.perf_counter()
    summary = run_judge(
        store, JUDGE, DATASET, concurrency=concurrency, use_cache=False, policy=policy(timeout),
        executor=executor,
    )
    return {**summary.to_dict(), "measured_wall_s": time.perf_counter() - started}


def verdicts(store: Store, run_id: int) -> dict[str, dict[str, Any]]:
    """Every stored verdict of a run by item external id: value, error, error_kind, attempts."""
    import sqlalchemy as sa

    from evalign.store import models as m

    with store.session() as session:
        rows = session.execute(
            sa.select(
                m.Item.external_id,
                m.Verdict.value,
                m.Verdict.error,
                m.Verdict.error_kind,
                m.Verdict.attempts,
                m.Verdict.p_pass,
            )
            .join(m.Item, m.Item.id == m.Verdict.item_id)
            .where(m.Verdict.run_id == run_id)
        )
        return {
            r[0]: {
                "value": r[1],
                "error": r[2],
                "error_kind": r[3],
                "attempts": r[4],
                "p_pass": r[5],
            }
            for r in rows
        }


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["prepare", "run", "resume"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--rows", type=Path)
    parser.add_argument("--run", type=int)
    parser.add_argument("--concurrency", type=int)
    parser.add_argument("--timeout", type=float)
    parser.add_argument("--executor", choices=["asyncio", "ray"], default="asyncio")
    args = parser.parse_args()
    store = open_store(args.db)
    try:
        if args.action == "prepare":
            prepare(store, args.rows)
        elif args.action == "run":
            print(json.dumps(run(store, args.concurrency, args.timeout, args.executor)),
                  flush=True)
        else:
            summary = resume_run(
                store, args.run, concurrency=args.concurrency, policy=policy(args.timeout)
            )
            print(json.dumps(summary.to_dict()), flush=True)
    finally:
        store.close()


if __name__ == "__main__":
    _main()
