"""What every export shares: the judge's instructions as one text, its checks, its verdict words.

An evalign prompt judge sends a system text (role, guidelines, few-shot examples, answer format)
and a user template with `{field}` placeholders. A peer tool takes one instruction text with its
own placeholder syntax, so `instructions(spec, placeholder)` joins the guidelines, the examples
and the template, and rewrites each `{field}` through `placeholder(field)`. The answer-format
paragraph is left out: each peer imposes its own output format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from evalign.errors import ConfigError
from evalign.items import as_text
from evalign.judges.spec import JudgeSpec
from evalign.judges.template import template_fields

OUTPUT_FIELDS = ("output", "response", "output_1")
"""Template fields that hold the output being judged (the peer's `output` / `actual_output`)."""

Placeholder = Callable[[str], str]


@dataclass(frozen=True)
class Exported:
    """One export: its files (name → text) and what the user should know.

    Attributes:
        target: the peer tool (`mlflow`, `promptfoo`, `deepeval`, `ragas`, `inspect`).
        files: file name → content; the first file is the main one.
        notes: what was mapped and how (e.g. the model string, fields folded into `inputs`).
    """

    target: str
    files: dict[str, str]
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The main file's content."""
        return next(iter(self.files.values()))


def questions(spec: JudgeSpec) -> list[str]:
    """A decomposed judge's fixed yes/no questions.

    Raises:
        ConfigError: the judge builds its questions per item from a rubric field, which no peer
            tool can hold (each peer metric has fixed instructions).
    """
    fixed = [str(q) for q in spec.checks.get("questions") or []]
    if not fixed:
        field_name = spec.checks.get("rubric_field")
        raise ConfigError(
            f"this decomposed judge asks one question per concept of each item's "
            f"{field_name!r} field; a peer metric has fixed instructions, so it cannot hold "
            "per-item questions. Export a prompt judge (or a decomposed one with fixed "
            "checks.questions) instead")
    return fixed


def instructions(spec: JudgeSpec, placeholder: Placeholder) -> str:
    """Guidelines, few-shot examples and the template, with `{field}` → `placeholder(field)`."""
    parts = []
    if spec.guidelines.strip():
        parts.append("Guidelines:\n" + spec.guidelines.strip())
    if spec.few_shot:
        parts.append(examples_text(spec))
    parts.append(rewrite(spec.prompt, placeholder))
    return "\n\n".join(parts)


def rewrite(template: str, placeholder: Placeholder) -> str:
    """`template` with each field placeholder (`{field}` or `{{ field }}`) replaced.

    Only names the template module reports as fields are touched; every other brace (a JSON
    example, `{0}`) stays as written.
    """
    names = set(template_fields(template))

    def swap(match: re.Match[str]) -> str:
        name = match.group("a") or match.group("b")
        return placeholder(name) if name in names else match.group(0)

    pattern = r"\{\{[ \t]*(?P<a>[A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}|\{(?P<b>[A-Za-z_][A-Za-z0-9_]*)\}"
    return re.sub(pattern, swap, template)


def examples_text(spec: JudgeSpec) -> str:
    """The few-shot examples as plain text (fields, then the expected verdict and why)."""
    blocks = ["Examples of correct judgements:"]
    for n, example in enumerate(spec.few_shot, 1):
        fields = example.get("fields") or {}
        lines = [f"Example {n}:"] + [f"{k}: {as_text(v)}" for k, v in fields.items()]
        lines.append(f"Verdict: {example.get('label')}")
        if example.get("reasoning"):
            lines.append(f"Why: {example['reasoning']}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def verdict_words(spec: JudgeSpec) -> list[str]:
    """The verdicts a categorical peer metric may give: pass/fail, or the scale's labels.

    Raises:
        ConfigError: the scale is numeric, stars or text (callers that can hold numbers check
            first).
    """
    scale = spec.scale
    if scale.kind in ("pass_fail", "thumbs"):
        return ["pass", "fail"]
    if scale.kind == "categorical":
        return [str(label) for label in scale.labels]
    if scale.kind == "pairwise":
        return ["1", "2", "tie"]
    raise ConfigError(f"a {scale.spec()} judge has no fixed verdict words")


def provider_model(spec: JudgeSpec) -> tuple[str, str]:
    """(`provider`, `model`) of the judge's `provider/model` string."""
    provider, _, model = spec.model.partition("/")
    return provider, model


def python_literal(text: str) -> str:
    """`text` as a Python string literal (repr keeps every character exact)."""
    return repr(text)
