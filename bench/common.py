"""Shared bench helpers: where things live, the machine line, tables, peer virtualenvs."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
VENVS = BENCH / ".venvs"

# Every peer is pinned so a fresh run measures the same code.
PEERS: dict[str, list[str]] = {
    # ragas 0.4.3 imports langchain_community.chat_models.vertexai, gone in langchain 1.x.
    "ragas": [
        "ragas==0.4.3",
        "openai>=1.40",
        "langchain<1",
        "langchain-core<1",
        "langchain-community<0.4",
        "langchain-openai<1",
    ],
    "deepeval": ["deepeval==4.3.1"],
}

NO_TELEMETRY = {
    "RAGAS_DO_NOT_TRACK": "true",
    "DEEPEVAL_TELEMETRY_OPT_OUT": "YES",
    "DEEPEVAL_UPDATE_WARNING_OPT_OUT": "YES",
    "DEEPEVAL_GRPC_LOGGING": "NO",
    "DO_NOT_TRACK": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "LANGCHAIN_TRACING_V2": "false",
    "HF_HUB_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "POSTHOG_DISABLED": "1",
}

BENCH_API_KEY = "sk-bench-not-a-real-key"


def machine() -> str:
    """One line naming the date, CPU, cores, memory and Python of this run."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{mem_kb / 2**20:.0f} GiB RAM"
    except OSError:
        mem = "? RAM"
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    return (
        f"{now} · {cpu} · {os.cpu_count()} cores · {mem} · load {load:.1f} · "
        f"Python {platform.python_version()}"
    )


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (pastes straight into docs/benchmarks.md), printed and returned."""
    cells = [[_fmt(c) for c in row] for row in rows]
    lines = [
        f"### {title}",
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    text = "\n".join(lines) + "\n"
    print(text, flush=True)
    return text


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def save(name: str, text: str) -> Path:
    """Append a table to bench/out/<name>.md (the run's record)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.md"
    with path.open("a") as out:
        out.write(text + "\n")
    return path


def peer_python(name: str) -> Path:
    """The interpreter of a peer's virtualenv, creating and installing it on first use."""
    venv = VENVS / name
    python = venv / "bin" / "python"
    stamp = venv / (".installed-" + "-".join(PEERS[name]).replace("/", "_"))
    if not stamp.exists():
        VENVS.mkdir(parents=True, exist_ok=True)
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        print(f"installing peer {name}: {' '.join(PEERS[name])} (once)", flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS[name]], check=True)
        stamp.touch()
    return python


def peer_env(base_url: str) -> dict[str, str]:
    """Environment for a peer process: mock base URL, a dummy key, telemetry off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_"))}
    env.update(NO_TELEMETRY)
    env.update(
        {"OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": BENCH_API_KEY, "PYTHONPATH": str(ROOT)}
    )
    return env


class Timer:
    """Wall and CPU time of a block."""

    def __enter__(self) -> Timer:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0
