"""Building the chat request a prompt judge sends for one item.

The messages put everything that is the same for every item first — the evaluator's role,
distilled guidelines, few-shot examples and the output instructions — in the system message,
then the rendered template in the user message. Providers with a prefix cache (the local model)
then only process the per-item part.

Structured output first: every scale asks for a JSON object whose reasoning comes *before* the
verdict (`{"reasoning": ..., "verdict": ...}`) and passes its schema, which the provider
enforces where the endpoint can (response_format, a forced tool, a grammar); a model that
decides before it reasons tends to defend a guess. The answer is read by the same reader
either way, so an endpoint without structured output (or a user's prompt that asks for plain
`PASS`/`FAIL`) still works. For `pass_fail` the request also carries `choices=("PASS", "FAIL")`
with `choices_key="verdict"`, so providers with log-probabilities give p_pass at the verdict
token, after the reasoning.

The judge parameter `structured_output: false` asks instead for the verdict as the first word
of a plain-text answer (p_pass from the first token) and sends no schema.
"""

from __future__ import annotations

import json
from typing import Any

from evalign.errors import ConfigError
from evalign.items import Item, as_text
from evalign.judges.spec import JudgeSpec
from evalign.judges.template import render
from evalign.providers.base import GenerateRequest
from evalign.scores import ScoreConfig

PASS_FAIL_CHOICES = ("PASS", "FAIL")
VERDICT_KEY = "verdict"
STRUCTURED_PARAM = "structured_output"  # a judge parameter, never sent to a model
DEFAULT_PARAMS: dict[str, Any] = {"temperature": 0.0, "max_tokens": 200}

_ROLE = (
    "You are a careful, strict evaluator. You judge one AI response at a time against the "
    "instructions you are given, and you answer exactly in the required format."
)


def item_fields(item: Item, *, swap: bool = False) -> dict[str, str]:
    """The fields a template may use; `swap` exchanges the two outputs of a pairwise item."""
    values = item.fields()
    if swap and item.output_2 is not None:
        values["output_1"], values["output_2"] = values["output_2"], values["output_1"]
        values["output"] = values["output_1"]
    return values


def build_request(spec: JudgeSpec, item: Item, *, swap: bool = False) -> GenerateRequest:
    """The request a prompt judge sends for `item`.

    Raises:
        ConfigError: the template names a field the item lacks.
    """
    fields = item_fields(item, swap=swap)
    user = render(spec.prompt, fields, where=_where(item))
    pass_fail = _is_pass_fail(spec.scale)
    structured = uses_structured_output(spec)
    return GenerateRequest(
        messages=[
            {"role": "system", "content": system_text(spec)},
            {"role": "user", "content": user},
        ],
        params=DEFAULT_PARAMS | {k: v for k, v in spec.params.items() if k != STRUCTURED_PARAM},
        json_schema=verdict_schema(spec.scale) if structured else None,
        choices=PASS_FAIL_CHOICES if pass_fail else None,
        choices_key=VERDICT_KEY if pass_fail and structured else None,
        context=fields,
    )


def uses_structured_output(spec: JudgeSpec) -> bool:
    """Whether this judge asks for a JSON verdict with its schema (the default: yes).

    Raises:
        ConfigError: `structured_output` is set to something other than true or false.
    """
    value = spec.params.get(STRUCTURED_PARAM, True)
    if not isinstance(value, bool):
        raise ConfigError(f"judge parameter {STRUCTURED_PARAM}={value!r}: write true or false")
    return value


def system_text(spec: JudgeSpec) -> str:
    """The constant part of every request of this judge version."""
    structured = uses_structured_output(spec)
    parts = [_ROLE]
    if spec.guidelines.strip():
        parts.append("Guidelines:\n" + spec.guidelines.strip())
    if spec.few_shot:
        parts.append(_few_shot_text(spec, structured))
    parts.append(output_instructions(spec.scale, structured=structured))
    return "\n\n".join(parts)


def output_instructions(scale: ScoreConfig, *, structured: bool = True) -> str:
    """How the answer must be written for this scale (reasoning first, then the verdict)."""
    if _is_pass_fail(scale) and not structured:
        return ("Answer format: the first line is exactly PASS or FAIL, nothing else. The second "
                "line is one short sentence giving the reason.")
    return ("Answer format: a JSON object only, no other text, reasoning first: "
            '{"reasoning": "<one or two short sentences>", "verdict": '
            + _verdict_hint(scale) + "}")


def verdict_schema(scale: ScoreConfig) -> dict[str, Any]:
    """A JSON schema for `{"reasoning": ..., "verdict": ...}` on this scale, reasoning first.

    Property order matters: grammars and strict structured output write properties in the
    schema's order, so the model reasons before it commits to a verdict.
    """
    verdict: dict[str, Any]
    if _is_pass_fail(scale):
        verdict = {"type": "string", "enum": list(PASS_FAIL_CHOICES)}
    elif scale.kind in ("numeric", "stars"):
        low, high = scale.bounds()
        verdict = {"type": "integer" if scale.kind == "stars" else "number",
                   "minimum": low, "maximum": high}
    elif scale.kind == "categorical":
        verdict = {"type": "string", "enum": list(scale.labels)}
    elif scale.kind == "pairwise":
        verdict = {"type": "string", "enum": ["1", "2", "tie"]}
    else:
        verdict = {"type": "string"}
    return {
        "type": "object",
        "properties": {"reasoning": {"type": "string"}, VERDICT_KEY: verdict},
        "required": ["reasoning", VERDICT_KEY],
        "additionalProperties": False,
    }


def _is_pass_fail(scale: ScoreConfig) -> bool:
    return scale.kind in ("pass_fail", "thumbs")


def _verdict_hint(scale: ScoreConfig) -> str:
    if _is_pass_fail(scale):
        return '"PASS" | "FAIL"'
    if scale.kind in ("numeric", "stars"):
        low, high = scale.bounds()
        return f"<a number from {low:g} to {high:g}>"
    if scale.kind == "categorical":
        return " | ".join(json.dumps(label) for label in scale.labels)
    if scale.kind == "pairwise":
        return '"1" (first output better) | "2" (second output better) | "tie"'
    return '"<your answer>"'


def _few_shot_text(spec: JudgeSpec, structured: bool) -> str:
    blocks = ["Examples judged by experts:"]
    for number, example in enumerate(spec.few_shot, 1):
        fields = example.get("fields", {})
        lines = [f"{name}: {as_text(value)}" for name, value in fields.items()]
        lines.append("Expected answer: " + _example_answer(spec.scale, example, structured))
        blocks.append(f"Example {number}:\n" + "\n".join(lines))
    return "\n\n".join(blocks)


def _example_answer(scale: ScoreConfig, example: dict[str, Any], structured: bool) -> str:
    label = as_text(example.get("label", ""))
    reason = as_text(example.get("reasoning", ""))
    if _is_pass_fail(scale):
        label = _pass_fail_word(scale, label)
        if not structured:
            return f"{label}\n{reason}".strip()
    return json.dumps({"reasoning": reason, VERDICT_KEY: label}, ensure_ascii=False)


def _pass_fail_word(scale: ScoreConfig, label: str) -> str:
    """An example's label as the verdict word the answer format asks for (`up` -> `PASS`)."""
    try:
        passed = scale.to_pass(scale.parse_value(label))
    except ValueError:
        return label.upper()
    return label.upper() if passed is None else PASS_FAIL_CHOICES[0 if passed else 1]


def _where(item: Item) -> str:
    name = item.external_id or (str(item.id) if item.id is not None else "")
    return f"item {name}" if name else "the item"
