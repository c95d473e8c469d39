"""Ragas's judge-alignment pattern (seed 003) over the bench rows, at Ragas's defaults.

Runs inside bench/.venvs/ragas: `python ragas_judge.py ROWS.jsonl OUT.json`. The OpenAI
client reads OPENAI_BASE_URL (the mock) and OPENAI_API_KEY from the environment.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from openai import AsyncOpenAI
from ragas import Dataset, experiment
from ragas.llms import llm_factory
from ragas.metrics import DiscreteMetric

PROMPT = (
    "Check if the response contains points mentioned from the grading notes and return "
    "'pass' or 'fail'.\n\nResponse: {response}\nGrading Notes: {grading_notes}"
)


@experiment()
async def judge_experiment(row: dict[str, Any], accuracy_metric: DiscreteMetric, llm: Any) -> dict:
    """The guide's experiment: judge the stored response, keep the verdict."""
    score = await accuracy_metric.ascore(
        question=row["question"],
        grading_notes=row["grading_notes"],
        response=row["response"],
        llm=llm,
    )
    return {"id": row["id"], "judge_label": score.value, "judge_reason": score.reason}


async def main(rows_path: Path, out_path: Path) -> None:
    rows = [json.loads(line) for line in rows_path.read_text().splitlines() if line.strip()]
    root = tempfile.mkdtemp(prefix="ragas-bench-")
    dataset = Dataset(name="evalsbench", backend="local/csv", root_dir=root)
    for row in rows:
        dataset.append(row)
    dataset.save()
    metric = DiscreteMetric(name="accuracy", prompt=PROMPT, allowed_values=["pass", "fail"])
    llm = llm_factory("gpt-4o-mini", client=AsyncOpenAI())
    started = time.perf_counter()
    results = await judge_experiment.arun(dataset, name="bench", accuracy_metric=metric, llm=llm)
    wall = time.perf_counter() - started
    got = {r["id"]: r for r in results}
    out = [
        {
            "id": row["id"],
            "value": got.get(row["id"], {}).get("judge_label"),
            "error": None if row["id"] in got else "no result (task failed)",
        }
        for row in rows
    ]
    out_path.write_text(json.dumps({"tool": "ragas", "wall_s": wall, "results": out}))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
