"""MLflow: traces of an experiment and their human assessments, read through the `mlflow` SDK.

    evalign import mlflow:EXPERIMENT --tracking-uri URI --dataset NAME

Each trace becomes an item: its request's fields as inputs (a non-dict request under `input`),
its response as the output, and its expectations (ground truth logged with
`mlflow.log_expectation`) as further input fields under their names. Each *feedback* assessment
whose source type is `HUMAN` becomes a label: the assessment's name is the criterion, its
source id the annotator, its rationale the reasoning. Feedback from an LLM judge or from code is
not a human label and is left out (counted in the warnings), as is feedback that was overridden
(`valid` false) or that carries an error instead of a value.

The SDK is an optional extra: `pip install 'evalign[mlflow]'`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from evalign.data.records import LabelIn, Row
from evalign.data.scales import Scales
from evalign.data.sources.common import Notes, fields_of, text_of
from evalign.errors import ConfigError, DataError, MissingExtraError, NotFoundError
from evalign.items import Item

PAGE = 200


def client_for(tracking_uri: str | None) -> Any:
    """An `MlflowClient` on the tracking store `tracking_uri` (default: MLflow's own).

    Raises:
        MissingExtraError: the mlflow SDK is not installed.
    """
    try:
        from mlflow import MlflowClient
    except ImportError as exc:
        raise MissingExtraError("the mlflow SDK", "mlflow") from exc
    return MlflowClient(tracking_uri=tracking_uri)


def experiment_id(client: Any, experiment: str) -> str:
    """The id of the experiment named (or numbered) `experiment`.

    Raises:
        NotFoundError: no such experiment in the tracking store.
    """
    found = client.get_experiment_by_name(experiment)
    if found is None and experiment.isdigit():
        found = client.get_experiment(experiment)
    if found is None:
        names = [e.name for e in client.search_experiments()]
        raise NotFoundError(f"no MLflow experiment {experiment!r} in {client.tracking_uri}; "
                            f"experiments: {', '.join(names) or 'none'}")
    return str(found.experiment_id)


def traces(client: Any, experiment: str) -> Iterator[Any]:
    """Every trace of the experiment, page by page, oldest first."""
    ids = [experiment_id(client, experiment)]
    token = None
    while True:
        page = client.search_traces(ids, max_results=PAGE, page_token=token,
                                    order_by=["timestamp_ms ASC"])
        yield from page
        token = getattr(page, "token", None)
        if not token:
            return


def parse(client: Any, experiment: str, scales: Scales, *, only: str | None,
          notes: Notes) -> list[Row]:
    """One row per trace with its human feedback as labels (see the module docstring).

    Raises:
        DataError: a feedback value outside its criterion's scale, naming the trace and the
            assessment.
    """
    rows = []
    for trace in traces(client, experiment):
        info = trace.info
        trace_id = str(getattr(info, "trace_id", None) or info.request_id)
        assessments = list(getattr(info, "assessments", None) or [])
        expectations = {a.name: a.expectation.value for a in assessments
                        if getattr(a, "expectation", None) is not None}
        labels = [lab for a in assessments
                  if (lab := _label(a, trace_id, scales, only, notes)) is not None]
        rows.append(Row(_item(trace, trace_id, expectations), tuple(labels)))
    return rows


def _item(trace: Any, trace_id: str, expectations: dict[str, Any]) -> Item:
    request, response = _loads(trace.data.request), _loads(trace.data.response)
    inputs = fields_of(request, "input") | expectations
    meta = {"mlflow_trace_id": trace_id,
            "timestamp_ms": getattr(trace.info, "timestamp_ms", None) or
            getattr(trace.info, "request_time", None)}
    tags = dict(getattr(trace.info, "tags", None) or {})
    if tags:
        meta["tags"] = {k: v for k, v in tags.items() if not k.startswith("mlflow.")}
    return Item(inputs, None if response is None else text_of(response), None, meta, trace_id)


def _label(assessment: Any, trace_id: str, scales: Scales, only: str | None,
           notes: Notes) -> LabelIn | None:
    feedback = getattr(assessment, "feedback", None)
    if feedback is None:
        return None  # an expectation: kept as an input field
    source = assessment.source
    kind = str(getattr(source, "source_type", "")).upper()
    if kind != "HUMAN":
        notes.add(f"{kind or 'unknown'}-source feedback left out (not a human label)")
        return None
    if getattr(assessment, "valid", True) is False:
        notes.add("overridden feedback left out")
        return None
    if getattr(feedback, "error", None) is not None or feedback.value is None:
        notes.add("feedback without a value left out")
        return None
    name = str(assessment.name)
    if only is not None and name != only:
        return None
    scale = scales.scale(name)
    try:
        value = scale.parse_value(feedback.value)
    except ValueError as exc:
        raise DataError(f"feedback {name!r} by {source.source_id!r} {exc} (scale "
                        f"{scale.spec()}; choose another with --scale)",
                        f"mlflow trace {trace_id}") from None
    return LabelIn(name, value, str(source.source_id), str(assessment.rationale or ""))


def _loads(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def check_experiment(spec: str) -> str:
    """The experiment named by `mlflow:EXPERIMENT`.

    Raises:
        ConfigError: nothing after `mlflow:`.
    """
    name = spec.split(":", 1)[1].strip() if ":" in spec else ""
    if not name:
        raise ConfigError("write mlflow:EXPERIMENT (the experiment's name or id)")
    return name
