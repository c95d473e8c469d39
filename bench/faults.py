"""Benchmark 3: faults. 10% 500s, 5% hangs (longer than the client timeout), 5% garbage.

    python -m bench.faults [--sizes 96] [--evalign-sizes 96 960]

Every row must end with the verdict the mock intended or with an error naming its cause;
a row holding any other value is a silent mislabel. Counts for evalign and each peer.
"""

from __future__ import annotations

import argparse
from collections import Counter

from bench.common import OUT, machine, save, table
from bench.data import rows, write_jsonl
from bench.mock_provider import MockConfig, MockProcess
from bench.tools import ToolRun, check, run_evalign, run_peer

EVALIGN_TIMEOUT_S = 5.0


def fault_config(args: argparse.Namespace) -> MockConfig:
    """The faulty provider: fast answers, faults at the given rates, hangs past the timeout."""
    return MockConfig(
        latency_ms=args.latency_ms,
        max_in_flight=64,
        error_500=args.error_500,
        hang=args.hang,
        garbage=args.garbage,
        drop=args.drop,
        schema=args.schema,
        hang_s=args.hang_s,
        keep_timeline=False,
    )


def _causes(run: ToolRun) -> str:
    if "aborted" in run.extra:
        return f"whole run aborted: {run.extra['aborted']}"
    kinds = Counter((e or "").split(":", 1)[0] for e in run.errors.values() if e)
    return ", ".join(f"{k} {v}" for k, v in kinds.most_common()) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[96])
    parser.add_argument("--evalign-sizes", type=int, nargs="+", default=[96, 960])
    parser.add_argument("--peers", nargs="*", default=["ragas", "deepeval"])
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--error-500", type=float, default=0.10)
    parser.add_argument("--hang", type=float, default=0.05)
    parser.add_argument("--garbage", type=float, default=0.05)
    parser.add_argument("--drop", type=float, default=0.0)
    parser.add_argument("--schema", type=float, default=0.0)
    parser.add_argument("--hang-s", type=float, default=20.0)
    args = parser.parse_args()
    config = fault_config(args)
    plan = [("evalign", n) for n in args.evalign_sizes]
    plan += [(p, n) for n in args.sizes for p in args.peers]
    out_rows = []
    for tool, n in plan:
        path = write_jsonl(OUT / f"rows-{n}.jsonl", rows(n))
        with MockProcess(config) as mock:
            if tool == "evalign":
                run = run_evalign(path, mock.url, timeout=EVALIGN_TIMEOUT_S)
            else:
                run = run_peer(tool, path, mock.url)
            stats = mock.stats()
        got = check(run, [r["id"] for r in rows(n)])
        faults = stats["faults"]
        out_rows.append(
            [
                tool,
                n,
                round(run.wall_s, 1),
                f"{got.correct}/{n}",
                got.mislabeled,
                got.errors,
                got.missing,
                _causes(run),
                stats["calls"],
                " ".join(f"{k}={v}" for k, v in sorted(faults.items())),
            ]
        )
    text = table(
        f"Faults: {args.error_500:.0%} 500s, {args.hang:.0%} hangs ({args.hang_s:g} s; evalign "
        f"timeout {EVALIGN_TIMEOUT_S:g} s), {args.garbage:.0%} garbage ({machine()})",
        [
            "tool",
            "N",
            "wall s",
            "intended verdict",
            "silent mislabels",
            "stored errors",
            "rows lost",
            "error causes",
            "calls",
            "faults injected",
        ],
        out_rows,
    )
    save("faults", text)


if __name__ == "__main__":
    main()
