"""DeepEval: the judge as a `GEval` metric in importable Python.

GEval judges an `LLMTestCase`: its `input`, `actual_output` (and `expected_output`, `context`).
evalign's output fields become "the actual output"; every other field is read from the test
case's input (put them there as `name: value` lines). GEval scores 0-1; the metric passes at the
`threshold` — evalign's p_pass threshold when it has one, else 0.5. A decomposed judge with fixed
questions becomes one GEval per check.
"""

from __future__ import annotations

from evalign.judges.exports.common import (
    OUTPUT_FIELDS,
    Exported,
    instructions,
    provider_model,
    python_literal,
    questions,
)
from evalign.judges.spec import JudgeSpec


def placeholder(name: str) -> str:
    """evalign field → GEval wording."""
    return "the actual output" if name in OUTPUT_FIELDS else f"the {name} (from the input)"


def export(name: str, spec: JudgeSpec) -> Exported:
    """Python source defining `metric` (or `metrics`, one per check)."""
    provider, model = provider_model(spec)
    model_arg = python_literal(model) if provider == "openai" and model else "None"
    threshold = spec.threshold if spec.threshold is not None else 0.5
    notes = [f"model {spec.model} → "
             + (model if model_arg != "None" else "DeepEval's default (set model= yourself)")]
    lines = ['"""evalign judge ' + name + ' exported for DeepEval (GEval)."""', "",
             "from deepeval.metrics import GEval",
             "from deepeval.test_case import LLMTestCaseParams", "",
             "PARAMS = [LLMTestCaseParams.INPUT, LLMTestCaseParams.ACTUAL_OUTPUT]", ""]
    if spec.kind == "decomposed":
        lines.append("metrics = [")
        for n, question in enumerate(questions(spec), 1):
            criteria = f"{question} The actual output passes (score 1) only if the answer is yes."
            lines.append(f"    GEval(name={python_literal(f'{name} check {n}')}, "
                         f"criteria={python_literal(criteria)}, evaluation_params=PARAMS, "
                         f"threshold={threshold}, model={model_arg}),")
        lines.append("]")
        notes.append("decomposed: one GEval per check; the verdict passes when every one does")
    else:
        criteria = instructions(spec, placeholder)
        if spec.scale.kind in ("pass_fail", "thumbs"):
            criteria += "\n\nScore 1 when the actual output passes, 0 when it fails."
        lines += ["metric = GEval(", f"    name={python_literal(name)},",
                  f"    criteria={python_literal(criteria)},",
                  "    evaluation_params=PARAMS,", f"    threshold={threshold},",
                  f"    model={model_arg},", ")"]
    return Exported("deepeval", {f"{name}_deepeval.py": "\n".join(lines) + "\n"}, notes)
