"""Benchmark 5: evalign's own cost. CPU per judged item, statistics at 1,000,000 comparisons,
and memory over a long run.

    python -m bench.overhead [--n 960] [--stats-n 1000000] [--memory-sizes 10000 100000]

- CPU per item: a run over the mock (its own process, no latency, no limits) measured with
  the evalign process's CPU time, so the provider's work is left out; the OpenAI SDK and HTTP
  client inside evalign's process are counted.
- Statistics: `evalign.stats.agreement_report_arrays` on 1,000,000 (human, judge, p_pass)
  triples: wall and CPU time.
- Memory: peak RSS of a whole process (import + run with `scripted/hash`) at each size; a
  flat profile means items are streamed, not held.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import BENCH_API_KEY, OUT, ROOT, Timer, machine, save, table
from bench.data import rows, write_jsonl
from bench.mock_provider import MockConfig, MockProcess


def cpu_per_item(n: int) -> tuple[float, float, float]:
    """(CPU ms per item, wall s, items/s) of a run_judge over the mock, in this process."""
    from bench import evalign_job
    from evalign import open_store

    path = write_jsonl(OUT / f"rows-{n}.jsonl", rows(n))
    db = Path(tempfile.mkdtemp(prefix="evalign-overhead-")) / "bench.db"
    with MockProcess(MockConfig(keep_timeline=False)) as mock:
        os.environ["OPENAI_BASE_URL"], os.environ["OPENAI_API_KEY"] = mock.url, BENCH_API_KEY
        store = open_store(db)
        evalign_job.prepare(store, path)
        with Timer() as timer:
            summary = evalign_job.run(store, 64)
        store.close()
    assert summary["verdicts"] == n and summary["errors"] == 0, summary
    return timer.cpu / n * 1000, timer.wall, n / timer.wall


def stats_speed(n: int) -> tuple[float, float]:
    """(wall s, CPU s) of the agreement report over `n` comparisons."""
    from evalign.stats import agreement_report_arrays

    rng = np.random.default_rng(0)
    human = rng.random(n) < 0.5
    p_pass = np.clip(human * 0.6 + rng.random(n) * 0.4, 0, 1)
    judge = p_pass >= 0.5
    with Timer() as timer:
        report = agreement_report_arrays(human, judge, p_pass=p_pass)
    assert report["comparisons"] == n, report["comparisons"]
    return timer.wall, timer.cpu


MEMORY_JOB = """
import json, sys, time
from evalign import JudgeSpec, ScoreConfig, open_store, run_judge
from evalign.data.importer import import_file
from evalign.store import repo_judges
def hwm_mb():
    # VmHWM belongs to this process's own address space (ru_maxrss survives exec).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
db, path = sys.argv[1], sys.argv[2]
store = open_store(db)
t0 = time.perf_counter()
import_file(store, path, "mem")
after_import = hwm_mb()
with store.session() as s:
    repo_judges.create_judge(s, "mem-judge", JudgeSpec(prompt="Judge: {question} -> {response}",
        scale=ScoreConfig(kind="pass_fail"), model="scripted/hash"), criterion="default")
t1 = time.perf_counter()
summary = run_judge(store, "mem-judge", "mem", use_cache=False)
t2 = time.perf_counter()
print(json.dumps({"verdicts": summary.verdicts, "import_s": t1 - t0, "run_s": t2 - t1,
    "rss_import_mb": after_import, "rss_peak_mb": hwm_mb()}))
"""


def memory(n: int) -> dict[str, float]:
    """Peak RSS of a process importing and judging `n` short items with `scripted/hash`."""
    path = OUT / f"mem-{n}.jsonl"
    with path.open("w") as out:
        for i in range(n):
            out.write(
                json.dumps(
                    {
                        "id": f"m{i}",
                        "question": f"question {i}",
                        "response": f"answer number {i} " * 8,
                        "target": "pass" if i % 2 else "fail",
                    }
                )
                + "\n"
            )
    db = Path(tempfile.mkdtemp(prefix="evalign-mem-")) / "mem.db"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_JOB, str(db), str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=960)
    parser.add_argument("--stats-n", type=int, default=1_000_000)
    parser.add_argument("--memory-sizes", type=int, nargs="*", default=[10_000, 100_000])
    args = parser.parse_args()
    cpu_ms, _wall, rate = cpu_per_item(args.n)
    stats_wall, stats_cpu = stats_speed(args.stats_n)
    text = table(
        f"Overhead: CPU per judged item and statistics speed ({machine()})",
        ["measure", "value"],
        [
            [
                f"CPU per judged item ({args.n} items over the mock, 0 ms latency)",
                f"{cpu_ms:.2f} ms",
            ],
            ["items/s with 64 in flight, 0 ms latency", f"{rate:.0f}"],
            [f"agreement report, {args.stats_n:,} comparisons: wall", f"{stats_wall:.2f} s"],
            [f"agreement report, {args.stats_n:,} comparisons: CPU", f"{stats_cpu:.2f} s"],
            [
                "this process's peak RSS",
                f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB",
            ],
        ],
    )
    mem_rows = []
    for n in args.memory_sizes:
        started = time.perf_counter()
        got = memory(n)
        mem_rows.append(
            [
                f"{n:,}",
                got["verdicts"],
                round(got["import_s"], 1),
                round(got["run_s"], 1),
                round(got["rss_import_mb"]),
                round(got["rss_peak_mb"]),
                round(time.perf_counter() - started, 1),
            ]
        )
    if mem_rows:
        text += "\n" + table(
            f"Memory over a run with scripted/hash ({machine()})",
            [
                "items",
                "verdicts",
                "import s",
                "run s",
                "peak RSS after import MB",
                "peak RSS MB",
                "total s",
            ],
            mem_rows,
        )
    save("overhead", text)


if __name__ == "__main__":
    main()
