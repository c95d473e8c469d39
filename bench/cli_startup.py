"""Benchmark: how long the shell takes before it answers (goal: under 0.5 s on an idle 2-core
machine).

    python -m bench.cli_startup [--repeat 7]

Each command runs in a fresh process, as a user types it: `python -c "import evalign"`,
`evalign --help` and `evalign datasets list` on an empty store (created, and migrated, once
before timing). The table gives the median and the best wall time of `--repeat` runs, the
child's CPU time (user + system) of the median run, and which heavy libraries the command
imported (`-X importtime` of the same command). CPU time is the steadier figure on a shared
machine: wall time includes waiting for a core.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, machine, save, table

HEAVY = ("sklearn", "scipy", "pandas", "fastapi", "sqlalchemy", "numpy")
GOAL_S = 0.5


def _evalign() -> list[str]:
    exe = Path(sys.executable).with_name("evalign")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "evalign.cli"]


def commands(db: str) -> dict[str, list[str]]:
    """The timed commands, by the name the table shows."""
    return {
        "import evalign": [sys.executable, "-c", "import evalign"],
        "evalign --help": [*_evalign(), "--help"],
        "evalign datasets list": [*_evalign(), "datasets", "list", "--db", db],
    }


def time_once(argv: list[str]) -> tuple[float, float]:
    """(wall s, child CPU s) of one run; the output is discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=ROOT, env=_env())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def heavy_imports(argv: list[str]) -> list[str]:
    """The heavy top-level packages the command imports (from `-X importtime`)."""
    if argv[0] != sys.executable:
        argv = [sys.executable, "-c", "from evalign.cli import main; main()", *argv[1:]]
    env = _env() | {"PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    found = set()
    for line in done.stderr.splitlines():
        name = line.rsplit("|", 1)[-1].strip()
        if name in HEAVY:
            found.add(name)
    return sorted(found)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "0", "COLUMNS": "100"}


def main() -> None:
    """Time each command and print (and save) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    db = str(Path(tempfile.mkdtemp(prefix="evalign-startup-")) / "empty.db")
    subprocess.run([*_evalign(), "datasets", "list", "--db", db], check=True,
                   stdout=subprocess.DEVNULL, cwd=ROOT)  # create and migrate the store once
    rows = []
    for name, argv in commands(db).items():
        time_once(argv)  # warm the file cache and bytecode
        runs = sorted(time_once(argv) for _ in range(args.repeat))
        wall = statistics.median(w for w, _ in runs)
        cpu = runs[len(runs) // 2][1]
        rows.append([name, f"{wall:.2f}", f"{runs[0][0]:.2f}", f"{cpu:.2f}",
                     "yes" if wall < GOAL_S else "no", ", ".join(heavy_imports(argv)) or "none"])
    text = table(f"CLI startup ({machine()})",
                 ["command", "median wall s", "best wall s", "CPU s", f"< {GOAL_S} s",
                  "heavy imports"], rows)
    save("cli_startup", text)


if __name__ == "__main__":
    main()
