"""Ragas: the judge as a `DiscreteMetric` in importable Python.

A `DiscreteMetric` formats its prompt with the keyword arguments given to `score(...)`, so the
judge's own field names stay placeholders (`metric.score(llm=llm, question=..., response=...)`);
literal braces are doubled for `str.format`. The allowed values are `pass`/`fail` or the
categorical labels; a numeric or stars judge (a `NumericMetric` in Ragas) and a decomposed one
(one metric per check would lose the all-must-pass rule) are refused with the reason.
"""

from __future__ import annotations

from evalign.errors import ConfigError
from evalign.judges.exports.common import Exported, instructions, python_literal, verdict_words
from evalign.judges.spec import JudgeSpec


def export(name: str, spec: JudgeSpec) -> Exported:
    """Python source defining `metric`.

    Raises:
        ConfigError: a decomposed, numeric or stars judge (see the module docstring).
    """
    if spec.kind == "decomposed":
        raise ConfigError("a Ragas DiscreteMetric gives one verdict from one prompt; a decomposed "
                          "judge's all-checks-must-pass rule does not fit: export it --to "
                          "promptfoo, deepeval or mlflow, which hold one metric per check")
    if spec.scale.kind in ("stars", "numeric"):
        raise ConfigError(f"a {spec.scale.spec()} judge gives numbers; Ragas' DiscreteMetric "
                          "holds labels only (Ragas' NumericMetric is not exported yet)")
    # Placeholders survive as {field}; every other brace is doubled for str.format.
    prompt = _restore(instructions(spec, lambda field: "\x02" + field + "\x03"))
    prompt += f"\n\nAnswer with one of: {', '.join(verdict_words(spec))}."
    lines = ['"""evalign judge ' + name + ' exported for Ragas (DiscreteMetric)."""', "",
             "from ragas.metrics import DiscreteMetric", "",
             "metric = DiscreteMetric(", f"    name={python_literal(name)},",
             f"    prompt={python_literal(prompt)},",
             f"    allowed_values={verdict_words(spec)!r},", ")"]
    notes = ["score with metric.score(llm=..., <field>=...) using the judge's field names"]
    return Exported("ragas", {f"{name}_ragas.py": "\n".join(lines) + "\n"}, notes)


def _restore(text: str) -> str:
    escaped = text.replace("{", "{{").replace("}", "}}")
    return escaped.replace("\x02", "{").replace("\x03", "}")
