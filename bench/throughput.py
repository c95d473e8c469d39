"""Benchmark 1: wall time vs the physical limit and vs peers, same rows, same mock provider.

    python -m bench.throughput [--sizes 96 960] [--latency-ms 200] [--in-flight 64] [--rpm 6000]

The limit is ceil(N / C) x latency under the provider's limits (C = its in-flight cap); every
tool's answers are checked against the mock's intended verdicts.
"""

from __future__ import annotations

import argparse
from typing import Any

from bench.common import OUT, machine, save, table
from bench.data import rows, write_jsonl
from bench.mock_provider import MockConfig, MockProcess, physical_limit
from bench.tools import ToolRun, check, run_evalign, run_peer


def _one(
    tool: str, n: int, config: MockConfig, concurrency: int | None
) -> tuple[ToolRun, dict[str, Any]]:
    path = write_jsonl(OUT / f"rows-{n}.jsonl", rows(n))
    with MockProcess(config) as mock:
        if tool == "evalign":
            run = run_evalign(path, mock.url, concurrency=concurrency)
        elif tool == "evalign-ray":
            run = run_evalign(path, mock.url, concurrency=concurrency, executor="ray")
        elif tool == "bare":
            from bench.peers.bare_loop import run_bare

            run = run_bare(path, mock.url, concurrency or 64)
        else:
            run = run_peer(tool, path, mock.url)
        return run, mock.stats()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[96, 960])
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--rpm", type=int, default=6000)
    parser.add_argument("--peers", nargs="*", default=["ragas", "deepeval"])
    parser.add_argument("--ray", action="store_true", help="add a run through --executor ray")
    args = parser.parse_args()
    config = MockConfig(
        latency_ms=args.latency_ms, max_in_flight=args.in_flight, rpm=args.rpm, keep_timeline=False
    )
    out_rows = []
    for n in args.sizes:
        limit = physical_limit(n, args.in_flight, args.latency_ms / 1000, args.rpm)
        runs: list[tuple[str, ToolRun, dict[str, Any]]] = []
        for label, tool, conc in [
            ("evalign (default concurrency)", "evalign", None),
            (f"evalign --concurrency {args.in_flight}", "evalign", args.in_flight),
            *([(f"evalign --concurrency {args.in_flight} --executor ray (local Ray, 2 CPUs)",
                "evalign-ray", args.in_flight)] if args.ray else []),
            (f"bare asyncio + openai, {args.in_flight} in flight", "bare", args.in_flight),
            *[(p, p, None) for p in args.peers],
        ]:
            run, stats = _one(tool, n, config, conc)
            runs.append((label, run, stats))
        best = min(r.wall_s for label, r, _ in runs if label.startswith("evalign"))
        for label, run, stats in runs:
            got = check(run, [r["id"] for r in rows(n)])
            out_rows.append(
                [
                    n,
                    label,
                    round(run.wall_s, 2),
                    round(limit, 2),
                    f"{run.wall_s / limit:.2f}x",
                    "-" if label.startswith("evalign") else f"{run.wall_s / best:.1f}x",
                    f"{got.correct}/{n}",
                    got.mislabeled,
                    got.errors + got.missing,
                    stats["calls"],
                    stats["rejected_concurrency"] + stats["rejected_rpm"],
                    stats["peak_in_flight"],
                ]
            )
    text = table(
        f"Throughput: {args.latency_ms:g} ms/call, {args.in_flight} in flight, {args.rpm}/min "
        f"({machine()})",
        [
            "N",
            "tool",
            "wall s",
            "limit s",
            "vs limit",
            "vs best evalign",
            "correct",
            "mislabeled",
            "errors",
            "calls",
            "429s",
            "peak in flight",
        ],
        out_rows,
    )
    save("throughput", text)


if __name__ == "__main__":
    main()
