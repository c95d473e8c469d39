"""MLflow: the judge as `mlflow.genai.judges.make_judge(...)` Python, registrable in a store.

`make_judge` instructions may only name MLflow's reserved variables, so evalign's output fields
become `{{ outputs }}`, the first other field `{{ inputs }}` (MLflow shows every input there) and
later ones a mention of their name within those inputs. The verdict type follows the scale:
`Literal["pass", "fail"]`, the categorical labels, `int` for stars, `float` for numeric. A
decomposed judge with fixed questions becomes one judge per check (all must pass).
"""

from __future__ import annotations

from evalign.judges.exports.common import (
    OUTPUT_FIELDS,
    Exported,
    Placeholder,
    instructions,
    provider_model,
    python_literal,
    questions,
    verdict_words,
)
from evalign.judges.spec import JudgeSpec

PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "litellm": "litellm",
             "ollama": "ollama", "databricks": "databricks"}


def placeholders() -> Placeholder:
    """evalign field → MLflow reserved variable (`{{ inputs }}` once, then a mention)."""
    seen: list[str] = []

    def placeholder(name: str) -> str:
        if name in ("inputs", "outputs", "expectations", "trace", "conversation"):
            return "{{ " + name + " }}"
        if name in OUTPUT_FIELDS:
            return "{{ outputs }}"
        seen.append(name)
        return "{{ inputs }}" if seen.count(name) == 1 and len(set(seen)) == 1 else \
            f'(the "{name}" field of the inputs)'

    return placeholder


def model_uri(spec: JudgeSpec) -> str | None:
    """MLflow's `provider:/model` for the judge's model, or None when MLflow has no provider
    for it (a local or scripted model: MLflow's default judge model is used then)."""
    provider, model = provider_model(spec)
    return f"{PROVIDERS[provider]}:/{model}" if provider in PROVIDERS and model else None


def value_type(spec: JudgeSpec) -> str:
    """The `feedback_value_type` expression for the judge's scale."""
    if spec.scale.kind == "stars":
        return "int"
    if spec.scale.kind == "numeric":
        return "float"
    words = ", ".join(python_literal(w) for w in verdict_words(spec))
    return f"Literal[{words}]"


def export(name: str, spec: JudgeSpec) -> Exported:
    """`make_judge` Python source defining `judge` (or `judges`, one per check)."""
    notes = [f"model {spec.model} → {model_uri(spec) or 'MLflow default (no MLflow provider)'}"]
    header = ['"""evalign judge ' + name + ' exported for MLflow (make_judge)."""', "",
              "from typing import Literal  # noqa: F401", "",
              "from mlflow.genai.judges import make_judge", ""]
    uri = model_uri(spec)
    model = python_literal(uri) if uri else "None"
    if spec.kind == "decomposed":
        body = ["judges = ["]
        for n, question in enumerate(questions(spec), 1):
            text = f"Read the inputs {{{{ inputs }}}} and the response {{{{ outputs }}}}.\n" \
                   f"{question} Answer pass for yes, fail for no."
            body.append(f"    make_judge(name={python_literal(f'{name}_check_{n}')}, "
                        f"instructions={python_literal(text)}, "
                        f"feedback_value_type=Literal['pass', 'fail'], model={model}),")
        body.append("]")
        notes.append("decomposed: one judge per check; the verdict passes when every check does")
    else:
        text = instructions(spec, placeholders())
        if "{{ " not in text:
            text += "\n\nInputs: {{ inputs }}\nResponse: {{ outputs }}"
        body = ["judge = make_judge(", f"    name={python_literal(name)},",
                f"    instructions={python_literal(text)},",
                f"    feedback_value_type={value_type(spec)},", f"    model={model},", ")"]
    return Exported("mlflow", {f"{name}_mlflow.py": "\n".join(header + body) + "\n"}, notes)
