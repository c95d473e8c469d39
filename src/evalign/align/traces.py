"""Disagreement traces: what the reflection model reads about the judge's mistakes on train items.

A trace shows only the fields the judge's template uses (a stray column such as a reviewer's
note can give the label away), the output, the human label and reasoning, and the judge's
verdict, reasoning and p_pass. On ordered scales a pair counts as a disagreement only when the
gap on 0–100 reaches the delta threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from evalign.align.examples import Example
from evalign.errors import ConfigError
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.judges.template import template_fields as judge_template_fields

FEW_DISAGREEMENTS = 10
TRACE_LEARNERS = {"guidelines": "guidelines", "fewshot": "few-shot examples"}
"""The strategies whose result is distilled from the disagreements, and what they make."""
OUTPUT_FIELDS = frozenset({"output", "response", "output_1", "output_2"})


@dataclass(frozen=True)
class Trace:
    """One training item where judge and human disagree."""

    index: int
    fields: dict[str, str]
    output: str
    human: Any
    human_reasoning: str
    judge: Any
    judge_reasoning: str
    p_pass: float | None

    def to_text(self) -> str:
        """The trace as the reflection model reads it."""
        lines = [f"{name}: {value}" for name, value in self.fields.items()]
        lines.append(f"response: {self.output}")
        lines.append(f"human label: {self.human}" + (f" — {self.human_reasoning}"
                                                       if self.human_reasoning else ""))
        p = f" (p_pass {self.p_pass:.2f})" if self.p_pass is not None else ""
        lines.append(f"judge verdict: {self.judge}{p}" + (f" — {self.judge_reasoning}"
                                                           if self.judge_reasoning else ""))
        return "\n".join(lines)


@dataclass
class TraceSet:
    """The traces of one alignment run, with the counts the outcome reports."""

    traces: list[Trace] = field(default_factory=list)
    agreeing_skipped: int = 0
    errors_skipped: int = 0

    @property
    def disagreements(self) -> int:
        """How many disagreements are available to learn from."""
        return len(self.traces)

    @property
    def warning(self) -> str | None:
        """Said plainly when there is too little to learn from."""
        return self.warning_for(("guidelines",))

    def warning_for(self, strategies: Sequence[str]) -> str | None:
        """`warning`, about what the chosen `strategies` distill from disagreements; None when
        none of them does (threshold and calibrate fit cut-offs on scores; decompose's checks
        come from the rubric, the traces being only examples)."""
        learned = [what for name, what in TRACE_LEARNERS.items() if name in strategies]
        if not learned or self.disagreements >= FEW_DISAGREEMENTS:
            return None
        return (f"only {self.disagreements} disagreements on the training split: "
                f"{' and '.join(learned)} will be generic (label more items, ideally "
                f"≥ {FEW_DISAGREEMENTS} disagreements)")


def template_fields(prompt: str) -> list[str]:
    """The item fields a template names (`{field}` or `{{ field }}`), in order of first use.

    The judges' own template reader decides, so traces, few-shot examples and the guards see
    the fields a run renders; a template it refuses names none here.
    """
    try:
        return judge_template_fields(prompt)
    except ConfigError:
        return []


def build_traces(spec: JudgeSpec, examples: Sequence[Example], verdicts: Sequence[Verdict],
                 indices: Sequence[int], *, delta: float = 0.0) -> TraceSet:
    """Traces of the disagreements among `indices` (train items only: the caller's contract).

    Args:
        spec: the judge whose template decides which fields a trace shows.
        examples: every labeled example; `verdicts` lines up with it.
        verdicts: the judge's verdicts, one per example.
        indices: the training indices.
        delta: on ordered scales, the least gap on 0–100 that counts as a disagreement.
    """
    shown = _shown_fields(spec)
    result = TraceSet()
    for i in indices:
        example, verdict = examples[i], verdicts[i]
        if verdict.value is None:
            result.errors_skipped += 1
            continue
        if not disagrees(spec, example, verdict, delta):
            result.agreeing_skipped += 1
            continue
        fields = example.item.fields()
        result.traces.append(Trace(
            index=i, fields={n: fields[n] for n in shown if n in fields},
            output=_output_text(fields), human=example.label,
            human_reasoning=example.reasoning, judge=verdict.value,
            judge_reasoning=verdict.reasoning, p_pass=verdict.p_pass))
    return result


def disagrees(spec: JudgeSpec, example: Example, verdict: Verdict, delta: float = 0.0) -> bool:
    """Whether judge and human disagree (by pass/fail, or by ≥ delta on 0–100 when both ordered)."""
    assert verdict.value is not None
    if example.scale.kind == "pairwise":
        return str(verdict.value) != str(example.label)
    human_100 = example.score100
    judge_100 = spec.scale.to_100(verdict.value)
    ordered = example.scale.group == "numeric" or spec.scale.group == "numeric"
    if ordered and delta > 0 and human_100 is not None and judge_100 is not None:
        return abs(human_100 - judge_100) >= delta
    return bool(spec.scale.to_pass(verdict.value)) != example.passed


def _output_text(fields: dict[str, str]) -> str:
    """The response, or both outputs of a pairwise item (labelled as the judge sees them)."""
    if "output_2" in fields:
        return (f"\nOutput 1:\n{fields.get('output_1', fields.get('output', ''))}"
                f"\nOutput 2:\n{fields['output_2']}")
    return fields.get("output", "")


def _shown_fields(spec: JudgeSpec) -> list[str]:
    names = [n for n in template_fields(spec.prompt) if n not in OUTPUT_FIELDS]
    if spec.kind == "decomposed":
        names += [str(n) for n in spec.checks.get("context_fields", []) if n not in OUTPUT_FIELDS]
        if spec.checks.get("rubric_field"):
            names.append(str(spec.checks["rubric_field"]))
    return list(dict.fromkeys(names))
