"""The benchmark rows: EvalsBench's 96 public rows, repeated with distinct ids for larger runs.

Each row's grading notes end with an `[item:ID]` marker, so the mock provider keys every tool's
call for that row the same way and its intended verdict can be checked per row. Copies differ
only by id and marker, so no tool can answer a copy from a cache.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from bench.common import ROOT

# The Ragas judge-alignment guide's baseline prompt (seed 003), shared by every tool.
JUDGE_PROMPT = (
    "Check if the response contains points mentioned from the grading notes and return "
    "'pass' or 'fail'.\n\nResponse: {response}\nGrading Notes: {grading_notes}"
)


def evalsbench_csv() -> Path:
    """Path of the shared EvalsBench public rows."""
    shared = Path(os.environ.get("EVALIGN_SHARED", ROOT.parent / "shared"))
    return shared / "datasets" / "evalsbench" / "public.csv"


def rows(n: int = 96) -> list[dict[str, Any]]:
    """`n` benchmark rows: the 96 public rows in order, repeated with distinct ids."""
    with evalsbench_csv().open(newline="", encoding="utf-8") as handle:
        base = list(csv.DictReader(handle))
    out: list[dict[str, Any]] = []
    for i in range(n):
        row = base[i % len(base)]
        item_id = f"evb-{i:06d}"
        out.append(
            {
                "id": item_id,
                "question": row["question"],
                "grading_notes": f"{row['grading_notes']} [item:{item_id}]",
                "response": row["response"],
                "target": row["target"],
            }
        )
    return out


def write_jsonl(path: Path, data: list[dict[str, Any]]) -> Path:
    """Write rows as JSON Lines (evalign imports it; peers read it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in data:
            out.write(json.dumps(row) + "\n")
    return path


def write_csv(path: Path, data: list[dict[str, Any]]) -> Path:
    """Write rows as CSV with the EvalsBench columns plus `id`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    return path
