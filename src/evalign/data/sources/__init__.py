"""Importers for other tools' exports (Label Studio, Langfuse, LangSmith, Phoenix) and MLflow.

    evalign import export.json --format labelstudio|langfuse|langsmith|phoenix --dataset NAME
    evalign import mlflow:EXPERIMENT --tracking-uri URI --dataset NAME

`import_source` reads the whole file, checks every record and label, and writes the dataset in
one transaction: the first bad record raises a `DataError` naming `file:line` (or the record's
id in a whole-object file) and nothing is kept. Each item carries every human label it has, one
per annotator and criterion (long format in the tool → one item with several labels).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from evalign.data.importer import ImportSummary, summarize
from evalign.data.reader import DEFAULT_MAX_BYTES, Source
from evalign.data.records import Row
from evalign.data.sources import labelstudio, langfuse, langsmith, mlflow_store, phoenix
from evalign.data.sources.common import Notes, head, stream, whole
from evalign.data.sources.traces import Shape, parse
from evalign.errors import ConfigError
from evalign.scores import PASS_FAIL, ScoreConfig
from evalign.store import Store
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_writes import WriteMode, write_dataset

FORMATS = ("labelstudio", "langfuse", "langsmith", "phoenix")
TRACE_SHAPES: dict[str, Shape] = {"langfuse": langfuse.SHAPE, "langsmith": langsmith.SHAPE,
                                   "phoenix": phoenix.SHAPE}


def import_source(store: Store, path: str | Path, dataset: str, *, format: str,
                  criterion: str | None = None, scale: str | ScoreConfig | None = None,
                  mapping: Mapping[str, str] | None = None, mode: WriteMode = "create",
                  max_bytes: int = DEFAULT_MAX_BYTES) -> ImportSummary:
    """Import a Label Studio, Langfuse, LangSmith or Phoenix export as a dataset.

    Args:
        store: where to write.
        path: the export file (JSON array, JSONL, or a JSON object with the named lists).
        dataset: the dataset's name.
        format: `labelstudio`, `langfuse`, `langsmith` or `phoenix`.
        criterion: import only the labels of this criterion (tag, score name, feedback key).
        scale: the labels' scale (default: pass/fail; pairwise for a pairwise project).
        mapping: Label Studio `--map` overrides: `output`, `output_1`, `output_2` data fields.
        mode: `create` (refuse an existing name), `append` or `replace`.
        max_bytes: refuse files larger than this.

    Raises:
        DataError: a malformed record or label, naming file:line or the record id.
        ConflictError: the dataset exists and mode is `create`.
        ConfigError: an unknown format or scale.
    """
    if format not in FORMATS:
        raise ConfigError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
    source = Source(path, max_bytes)
    explicit = ScoreConfig.parse(scale) if isinstance(scale, str) else scale
    notes = Notes()
    with store.session() as session:
        criteria = Criteria(session, explicit, _default_scale(format, source))
        rows = _rows(format, source, criteria, criterion, dict(mapping or {}), notes)
        kind = "pairwise" if any(r.item.output_2 is not None for r in rows) else "single"
        info = {"file": str(path), "format": format, "imported_at": datetime.now(UTC).isoformat()}
        stats = write_dataset(session, dataset, iter(rows), criteria, kind=kind, source=info,
                              mode=mode, source_name=source.name)
    summary = summarize(stats, f"json/{format}", kind)
    summary.warnings[:0] = notes.warnings()
    return summary


def import_mlflow(store: Store, source: str, dataset: str, *, tracking_uri: str | None = None,
                  criterion: str | None = None, scale: str | ScoreConfig | None = None,
                  mode: WriteMode = "create") -> ImportSummary:
    """Import an MLflow experiment's traces with their human feedback as a dataset.

    Args:
        store: where to write.
        source: `mlflow:EXPERIMENT` (the experiment's name or id).
        dataset: the dataset's name.
        tracking_uri: the MLflow tracking store (default: `$MLFLOW_TRACKING_URI`).
        criterion: import only the feedback of this name.
        scale: the labels' scale (default pass/fail).
        mode: `create`, `append` or `replace`.

    Raises:
        MissingExtraError: the mlflow SDK is not installed.
        NotFoundError: no such experiment.
        DataError: a feedback value outside its scale (naming the trace); nothing is written.
    """
    experiment = mlflow_store.check_experiment(source)
    client = mlflow_store.client_for(tracking_uri)
    explicit = ScoreConfig.parse(scale) if isinstance(scale, str) else scale
    notes = Notes()
    with store.session() as session:
        criteria = Criteria(session, explicit, PASS_FAIL)
        rows = mlflow_store.parse(client, experiment, criteria, only=criterion, notes=notes)
        info = {"mlflow_experiment": experiment, "tracking_uri": str(client.tracking_uri),
                "format": "mlflow", "imported_at": datetime.now(UTC).isoformat()}
        stats = write_dataset(session, dataset, iter(rows), criteria, kind="single", source=info,
                              mode=mode, source_name=source)
    summary = summarize(stats, "mlflow/traces", "single")
    summary.warnings[:0] = notes.warnings()
    return summary


def _rows(format: str, source: Source, criteria: Criteria, only: str | None,
          mapping: dict[str, str], notes: Notes) -> list[Row]:
    if format == "labelstudio":
        return labelstudio.parse(source, stream(source), criteria, mapping=mapping, only=only,
                                 notes=notes)
    shape = TRACE_SHAPES[format]
    if head(source) == "{" and _is_whole(source, shape):
        data = whole(source)
        calls = [(str(shape.call_id(c)), c) for c in data.get(shape.calls) or []]
        return parse(shape, source, calls, list(data.get(shape.notes_key) or []), criteria,
                     only=only, notes=notes)
    return parse(shape, source, stream(source), [], criteria, only=only, notes=notes)


def _is_whole(source: Source, shape: Shape) -> bool:
    # A JSONL file also starts with "{": it is one object only if that object has the lists.
    first = next((text for _n, text in source.lines() if text.strip()), "")
    return f'"{shape.calls}"' in first or first.strip() == "{"


def _default_scale(format: str, source: Source) -> ScoreConfig:
    if format == "labelstudio" and '"pairwise"' in "".join(t for _n, t in source.lines()):
        return ScoreConfig(kind="pairwise")
    return PASS_FAIL


__all__ = ["FORMATS", "import_mlflow", "import_source"]
