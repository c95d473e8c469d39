"""Benchmark 2: a provider that allows fewer requests per minute than evalign would send.

    python -m bench.rate_limits [--n 480] [--rpm 1200] [--burst 20]

evalign runs at its default concurrency (32 in flight at 200 ms is 9,600/min) against a mock
that accepts `rpm` per minute from a bucket of `burst`. Reported: the accepted rate sustained
after the first seconds, as a share of the allowed rate, the 429s, and whether every item
ended with a verdict.
"""

from __future__ import annotations

import argparse

from bench.common import OUT, machine, save, table
from bench.data import rows, write_jsonl
from bench.mock_provider import MockConfig, MockProcess, physical_limit
from bench.tools import check, run_evalign


def sustained_rate(timeline: list[list[float]], skip_s: float) -> float:
    """Answered calls per second between `skip_s` after the first call and the last answer."""
    ok = sorted(t for t, status in timeline if status == 200)
    if len(ok) < 2:
        return float("nan")
    start = ok[0] + skip_s
    window = [t for t in ok if t >= start]
    span = window[-1] - start if window else 0.0
    return len(window) / span if span > 0 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=480)
    parser.add_argument("--rpm", type=int, default=1200)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--skip-s", type=float, default=3.0, help="warm-up left out of the rate")
    args = parser.parse_args()
    path = write_jsonl(OUT / f"rows-{args.n}.jsonl", rows(args.n))
    config = MockConfig(latency_ms=args.latency_ms, rpm=args.rpm, burst=args.burst)
    with MockProcess(config) as mock:
        run = run_evalign(path, mock.url)
        stats = mock.stats()
    got = check(run, [r["id"] for r in rows(args.n)])
    allowed = args.rpm / 60
    rate = sustained_rate(stats["timeline"], args.skip_s)
    limit = physical_limit(args.n, args.n, args.latency_ms / 1000, args.rpm, args.burst)
    text = table(
        f"Rate limits: {args.rpm}/min allowed (bucket {args.burst}), evalign at its default "
        f"concurrency, {args.n} items ({machine()})",
        [
            "allowed /s",
            "sustained /s",
            "share of allowed",
            "wall s",
            "limit s",
            "429s",
            "verdicts",
            "intended verdict",
            "errors",
        ],
        [
            [
                round(allowed, 1),
                round(rate, 2),
                f"{rate / allowed:.0%}",
                round(run.wall_s, 1),
                round(limit, 1),
                stats["rejected_rpm"],
                f"{len(run.values)}/{args.n}",
                f"{got.correct}/{args.n}",
                got.errors + got.missing,
            ]
        ],
    )
    save("rate_limits", text)


if __name__ == "__main__":
    main()
