"""The floor to compare with: a bare asyncio loop over the `openai` SDK, no framework at all.

    python bench/peers/bare_loop.py ROWS.jsonl OUT.json [--in-flight 64]

One `AsyncOpenAI` client, a semaphore of `--in-flight` calls, the shared bench prompt, and the
first word of each answer as the verdict. 429s are left to the SDK's own retries (it honours
Retry-After), raised to 10. The OpenAI client reads OPENAI_BASE_URL (the mock) and
OPENAI_API_KEY from the environment. Writes the peers' format: wall_s and one result per row.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

from openai import AsyncOpenAI

PROMPT = (
    "Check if the response contains points mentioned from the grading notes and return "
    "'pass' or 'fail'.\n\nResponse: {response}\nGrading Notes: {grading_notes}"
)

VERDICT = re.compile(r"\b(pass|fail)\b", re.IGNORECASE)  # plain text or inside a JSON answer


async def judge_all(rows: list[dict[str, Any]], in_flight: int) -> list[dict[str, Any]]:
    """One call per row, at most `in_flight` at once; the answer's first word is the value."""
    client = AsyncOpenAI(max_retries=10)
    gate = asyncio.Semaphore(in_flight)

    async def one(row: dict[str, Any]) -> dict[str, Any]:
        async with gate:
            try:
                answer = await client.chat.completions.create(
                    model="mock", temperature=0,
                    messages=[{"role": "user", "content": PROMPT.format(**row)}])
            except Exception as exc:  # a bare loop records the failure and goes on
                return {"id": row["id"], "value": None, "error": type(exc).__name__}
        found = VERDICT.search(answer.choices[0].message.content or "")
        return {"id": row["id"], "value": found.group(1).lower() if found else None,
                "error": None}

    try:
        return await asyncio.gather(*(one(row) for row in rows))
    finally:
        await client.close()


def run_bare(rows_path: Path, base_url: str, in_flight: int) -> Any:
    """Run this script in its own process against `base_url`; a `bench.tools.ToolRun`."""
    import subprocess
    import sys
    import tempfile

    from bench.tools import ToolRun, evalign_env

    out = Path(tempfile.mkdtemp(prefix="bare-bench-")) / "out.json"
    subprocess.run([sys.executable, __file__, str(rows_path), str(out), "--in-flight",
                    str(in_flight)], env=evalign_env(base_url), check=True, timeout=1800)
    data = json.loads(out.read_text())
    return ToolRun(tool="bare", wall_s=float(data["wall_s"]),
                   values={r["id"]: r["value"] for r in data["results"]},
                   errors={r["id"]: r["error"] for r in data["results"]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--in-flight", type=int, default=64)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.rows.read_text().splitlines() if line.strip()]
    started = time.perf_counter()
    results = asyncio.run(judge_all(rows, args.in_flight))
    wall = time.perf_counter() - started
    args.out.write_text(json.dumps({"wall_s": wall, "results": results}))


if __name__ == "__main__":
    main()
