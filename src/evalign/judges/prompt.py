"""Building the chat request a prompt judge sends for one item.

The messages put everything that is the same for every item first — the evaluator's role,
distilled guidelines, few-shot examples and the output instructions — in the system message,
then the rendered template in the user message. Providers with a prefix cache (the local model)
then only process the per-item part.

For `pass_fail` the verdict is asked for as the first word of the answer and the request carries
`choices=("PASS", "FAIL")`: the provider contract reads choice probabilities on the *first*
generated token, so a JSON envelope (whose first token is `{`) would hide p_pass. Other scales
ask for a small JSON object and pass its schema for structured output.
"""

from __future__ import annotations

import json
from typing import Any

from evalign.items import Item, as_text
from evalign.judges.spec import JudgeSpec
from evalign.judges.template import render
from evalign.providers.base import GenerateRequest
from evalign.scores import ScoreConfig

PASS_FAIL_CHOICES = ("PASS", "FAIL")
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
    pass_fail = spec.scale.kind in ("pass_fail", "thumbs")
    return GenerateRequest(
        messages=[
            {"role": "system", "content": system_text(spec)},
            {"role": "user", "content": user},
        ],
        params=DEFAULT_PARAMS | spec.params,
        json_schema=None if pass_fail else verdict_schema(spec.scale),
        choices=PASS_FAIL_CHOICES if pass_fail else None,
        context=fields,
    )


def system_text(spec: JudgeSpec) -> str:
    """The constant part of every request of this judge version."""
    parts = [_ROLE]
    if spec.guidelines.strip():
        parts.append("Guidelines:\n" + spec.guidelines.strip())
    if spec.few_shot:
        parts.append(_few_shot_text(spec))
    parts.append(output_instructions(spec.scale))
    return "\n\n".join(parts)


def output_instructions(scale: ScoreConfig) -> str:
    """How the answer must be written for this scale."""
    if scale.kind in ("pass_fail", "thumbs"):
        return ("Answer format: the first line is exactly PASS or FAIL, nothing else. The second "
                "line is one short sentence giving the reason.")
    return ("Answer format: a JSON object only, no other text: "
            '{"verdict": ' + _verdict_hint(scale) + ', "reasoning": "<one short sentence>"}')


def verdict_schema(scale: ScoreConfig) -> dict[str, Any]:
    """A JSON schema for `{"verdict": ..., "reasoning": ...}` on this scale."""
    verdict: dict[str, Any]
    if scale.kind in ("numeric", "stars"):
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
        "properties": {"verdict": verdict, "reasoning": {"type": "string"}},
        "required": ["verdict", "reasoning"],
        "additionalProperties": False,
    }


def _verdict_hint(scale: ScoreConfig) -> str:
    if scale.kind in ("numeric", "stars"):
        low, high = scale.bounds()
        return f"<a number from {low:g} to {high:g}>"
    if scale.kind == "categorical":
        return " | ".join(json.dumps(label) for label in scale.labels)
    if scale.kind == "pairwise":
        return '"1" (first output better) | "2" (second output better) | "tie"'
    return '"<your answer>"'


def _few_shot_text(spec: JudgeSpec) -> str:
    blocks = ["Examples judged by experts:"]
    for number, example in enumerate(spec.few_shot, 1):
        fields = example.get("fields", {})
        lines = [f"{name}: {as_text(value)}" for name, value in fields.items()]
        lines.append("Expected answer: " + _example_answer(spec.scale, example))
        blocks.append(f"Example {number}:\n" + "\n".join(lines))
    return "\n\n".join(blocks)


def _example_answer(scale: ScoreConfig, example: dict[str, Any]) -> str:
    label = as_text(example.get("label", ""))
    reason = as_text(example.get("reasoning", ""))
    if scale.kind in ("pass_fail", "thumbs"):
        return f"{label.upper()}\n{reason}".strip()
    return json.dumps({"verdict": label, "reasoning": reason}, ensure_ascii=False)


def _where(item: Item) -> str:
    name = item.external_id or (str(item.id) if item.id is not None else "")
    return f"item {name}" if name else "the item"
