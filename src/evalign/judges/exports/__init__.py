"""Judge exports to peer tools, as files their own libraries load.

    export_judge(name, spec, "promptfoo") -> Exported(target, files, notes)

Targets: `mlflow` (make_judge), `promptfoo` (llm-rubric YAML), `deepeval` (GEval), `ragas`
(DiscreteMetric), `inspect` (inspect_ai scorer). Each is a pure function of the judge version;
`mlflow_register` (in `evalign.judges.exports.mlflow_store`) registers an MLflow export into a
tracking store. A target that cannot hold a judge raises `ConfigError` saying why.
"""

from __future__ import annotations

from collections.abc import Callable

from evalign.errors import ConfigError
from evalign.judges.exports import deepeval, inspect, mlflow, promptfoo, ragas
from evalign.judges.exports.common import Exported
from evalign.judges.spec import JudgeSpec

Exporter = Callable[[str, JudgeSpec], Exported]
TARGETS: dict[str, Exporter] = {
    "mlflow": mlflow.export, "promptfoo": promptfoo.export, "deepeval": deepeval.export,
    "ragas": ragas.export, "inspect": inspect.export,
}


def export_judge(name: str, spec: JudgeSpec, target: str) -> Exported:
    """The judge version `spec` (named `name`) in `target`'s own form.

    Raises:
        ConfigError: an unknown target, a code judge, a text scale, or a judge the target
            cannot hold (the message says why and which target can).
    """
    if target not in TARGETS:
        raise ConfigError(f"unknown export target {target!r}: use one of {', '.join(TARGETS)}")
    if spec.kind == "code":
        raise ConfigError("a code judge is a Python function of evalign's; peers run prompts: "
                          "wrap the function in the peer's own custom-metric API")
    if spec.scale.kind == "text":
        raise ConfigError("a text-scale judge gives no verdict a peer metric can score")
    return TARGETS[target](_identifier(name), spec)


def _identifier(name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in name).strip("_")
    return cleaned or "judge"


__all__ = ["TARGETS", "Exported", "export_judge"]
