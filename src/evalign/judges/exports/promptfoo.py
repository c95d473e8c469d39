"""promptfoo: the judge as `llm-rubric` assertions in a promptfoo config (YAML).

promptfoo's grader sees the output on its own, so output placeholders become a mention of it;
other fields become the test's `{{ vars }}` (nunjucks). A pass/fail judge maps to one assertion;
its `threshold` (on p_pass) becomes the assertion's score threshold. A decomposed judge with
fixed questions becomes one assertion per check: promptfoo passes a test only when all pass.
The grader is the judge's model where promptfoo has a provider for it (`openai/X` →
`openai:chat:X`, `anthropic/X` → `anthropic:messages:X`); any other model (local, scripted, ...)
is left out with a comment saying so, and promptfoo grades with its default provider.
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


PROVIDERS = {"openai": "openai:chat:", "anthropic": "anthropic:messages:"}
"""evalign provider → the prefix of promptfoo's provider id for its chat models."""


def provider_id(spec: JudgeSpec) -> str | None:
    """promptfoo's provider id for the judge's model, or None when promptfoo has none for it."""
    provider, model = provider_model(spec)
    return PROVIDERS[provider] + model if provider in PROVIDERS and model else None


def export(name: str, spec: JudgeSpec) -> Exported:
    """A promptfoo config fragment: `defaultTest.assert` with the rubric(s) and grader."""
    grader = provider_id(spec)
    warning = None if grader else (
        f"model {' '.join(spec.model.split())} has no promptfoo provider: left out, so promptfoo "
        "grades with its default; set defaultTest.options.provider to choose one")
    notes = [warning or f"model {spec.model} → grader provider {grader} (set its apiBaseUrl "
                        "if the judge ran at another endpoint)"]
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
    default_test: dict[str, Any] = {"options": {"provider": grader}} if grader else {}
    default_test["assert"] = asserts
    config = {"description": f"evalign judge {name}", "defaultTest": default_test}
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100)
    if warning is not None:
        text = f"# {warning}\n{text}"
    return Exported("promptfoo", {f"{name}_promptfooconfig.yaml": text}, notes)
