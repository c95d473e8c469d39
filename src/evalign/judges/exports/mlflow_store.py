"""Registering an MLflow export in a tracking store, so MLflow users find the judge there.

The export's own Python (`make_judge(...)`) is run to build the judge objects; each is then
registered as a scorer of the experiment (created when missing) through the mlflow SDK, the
`[mlflow]` extra. The process-wide tracking URI is set for the call and restored after it.
"""

from __future__ import annotations

from typing import Any

from evalign.errors import MissingExtraError
from evalign.judges.exports.common import Exported

DEFAULT_EXPERIMENT = "evalign-judges"


def register(exported: Exported, tracking_uri: str,
             experiment: str = DEFAULT_EXPERIMENT) -> list[str]:
    """Register the judge(s) of an MLflow export; returns their scorer names.

    Raises:
        MissingExtraError: the mlflow SDK is not installed.
        ValueError: `exported` is not an MLflow export.
    """
    if exported.target != "mlflow":
        raise ValueError(f"a {exported.target} export cannot be registered in MLflow")
    try:
        import mlflow
    except ImportError as exc:
        raise MissingExtraError("the mlflow SDK", "mlflow") from exc
    namespace: dict[str, Any] = {}
    exec(compile(exported.text, "evalign_mlflow_export.py", "exec"), namespace)  # our own code
    judges = namespace.get("judges") or [namespace["judge"]]
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(tracking_uri)
    try:
        client = mlflow.MlflowClient(tracking_uri=tracking_uri)
        found = client.get_experiment_by_name(experiment)
        experiment_id = found.experiment_id if found else client.create_experiment(experiment)
        return [judge.register(experiment_id=experiment_id).name for judge in judges]
    finally:
        mlflow.set_tracking_uri(previous)
