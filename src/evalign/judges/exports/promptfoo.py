"""promptfoo: the judge as `llm-rubric` assertions in a promptfoo config (YAML).

promptfoo's grader sees the output on its own, so output placeholders become a mention of it;
other fields become the test's `{{ vars }}` (nunjucks). A pass/fail judge maps to one assertion;
its `threshold` (on p_pass) becomes the assertion's score threshold. A decomposed judge with
fixed questions becomes one assertion per check: promptfoo passes a test only when all pass.
"""

from __future__ import annotations

from typing import Any

import yaml

from evalign.judges.exports.common import (
    OUTPUT_FIELDS,
    Exported,
    instructions,
    provider_model,
    questions,
)
from evalign.judges.spec import JudgeSpec


def placeholder(name: str) -> str:
    """evalign field → promptfoo rubric text."""
    return "(the output under evaluation)" if name in OUTPUT_FIELDS else "{{" + name + "}}"


def provider_id(spec: JudgeSpec) -> str:
    """promptfoo's `provider:model` id (same provider names for OpenAI and Anthropic)."""
    provider, model = provider_model(spec)
    if provider == "anthropic":
        return f"anthropic:messages:{model}"
    return f"{provider}:{model}" if model else provider


def export(name: str, spec: JudgeSpec) -> Exported:
    """A promptfoo config fragment: `defaultTest.assert` with the rubric(s) and grader."""
    notes = [f"grader provider {provider_id(spec)}: change it if promptfoo names it otherwise"]
    if spec.kind == "decomposed":
        asserts = [{"type": "llm-rubric", "metric": f"{name}/check-{n}",
                    "value": f"{q} The output passes only if the answer is yes."}
                   for n, q in enumerate(questions(spec), 1)]
        notes.append("decomposed: one llm-rubric per check; the test passes when all pass")
    else:
        rubric: dict[str, Any] = {"type": "llm-rubric", "metric": name,
                                  "value": instructions(spec, placeholder)}
        if spec.threshold is not None:
            rubric["threshold"] = spec.threshold
        asserts = [rubric]
    config = {"description": f"evalign judge {name}",
              "defaultTest": {"options": {"provider": provider_id(spec)}, "assert": asserts}}
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100)
    return Exported("promptfoo", {f"{name}_promptfooconfig.yaml": text}, notes)
