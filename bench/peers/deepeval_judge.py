"""DeepEval's G-Eval pass/fail judge over the bench rows, at DeepEval's defaults.

Runs inside bench/.venvs/deepeval: `python deepeval_judge.py ROWS.jsonl OUT.json`.
OpenAIModel reads OPENAI_BASE_URL (the mock) and OPENAI_API_KEY; telemetry is off through
the environment.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from deepeval import evaluate
from deepeval.metrics import GEval
from deepeval.models import OpenAIModel
from deepeval.test_case import LLMTestCase, SingleTurnParams

STEPS = [
    "Check if the actual output contains the points mentioned in the grading notes (context).",
    "It passes only if it covers them; otherwise it fails.",
]


def main(rows_path: Path, out_path: Path) -> None:
    rows = [json.loads(line) for line in rows_path.read_text().splitlines() if line.strip()]
    cases = [
        LLMTestCase(
            input=r["question"],
            actual_output=r["response"],
            context=[r["grading_notes"]],
            name=r["id"],
        )
        for r in rows
    ]
    metric = GEval(
        name="accuracy",
        evaluation_steps=STEPS,
        evaluation_params=[
            SingleTurnParams.INPUT,
            SingleTurnParams.ACTUAL_OUTPUT,
            SingleTurnParams.CONTEXT,
        ],
        model=OpenAIModel(model="gpt-4o-mini"),
    )
    started = time.perf_counter()
    result = evaluate(test_cases=cases, metrics=[metric])
    wall = time.perf_counter() - started
    got = {}
    for test in result.test_results:
        data = test.metrics_data[0] if test.metrics_data else None
        if data is None or data.error:
            got[test.name] = (None, data.error if data else "no metric data")
        else:
            got[test.name] = ("pass" if data.success else "fail", None)
    out = [
        {
            "id": r["id"],
            "value": got.get(r["id"], (None, "no result"))[0],
            "error": got.get(r["id"], (None, "no result"))[1],
        }
        for r in rows
    ]
    out_path.write_text(json.dumps({"tool": "deepeval", "wall_s": wall, "results": out}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
