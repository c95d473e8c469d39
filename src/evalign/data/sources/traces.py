"""Langfuse and LangSmith exports: traces (runs) with their human scores (feedback).

Both tools keep annotations beside the traced call, keyed by its id. A file holds either the
calls with their annotations nested (`"scores": [...]` / `"feedback": [...]`), as a JSON array
or JSONL, or one object with both lists (`{"traces": [...], "scores": [...]}` /
`{"runs": [...], "feedback": [...]}`). `Shape` names a tool's keys; `parse` is shared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from evalign.data.reader import Source
from evalign.data.records import LabelIn, Row
from evalign.data.scales import Scales
from evalign.data.sources.common import Notes, error, label
from evalign.items import Item

Annotation = dict[str, Any]


@dataclass(frozen=True)
class Shape:
    """One tool's export shape.

    Attributes:
        calls: the key of the calls' list in a whole-file object (`traces`, `runs`).
        notes_key: the key of the annotations' list, nested or whole-file (`scores`, ...).
        call_of: an annotation's key naming its call (`traceId`, `run_id`).
        item: a call record → its item.
        human: an annotation → None when a person made it, else why it is left out.
        annotation: an annotation → (criterion, raw value, annotator, reasoning).
        keep_call: whether an unannotated call becomes an item (e.g. only root runs).
        call_id: a call record → the id its annotations name (default: its `id`).
    """

    calls: str
    notes_key: str
    call_of: str
    item: Callable[[dict[str, Any]], Item]
    human: Callable[[Annotation], str | None]
    annotation: Callable[[Annotation], tuple[str, Any, str, str]]
    keep_call: Callable[[dict[str, Any]], bool] = lambda _call: True
    call_id: Callable[[dict[str, Any]], Any] = lambda call: call.get("id")


def parse(shape: Shape, source: Source, calls: Iterable[tuple[int | str, dict[str, Any]]],
          loose: list[Annotation], scales: Scales, *, only: str | None,
          notes: Notes) -> list[Row]:
    """One row per kept call, with the human annotations nested in it or in `loose`.

    Raises:
        DataError: a call without an id, an annotation naming a call the file lacks, a value
            outside its criterion's scale, or one person annotating one criterion twice.
    """
    by_call: dict[str, list[Annotation]] = {}
    for annotation in loose:
        by_call.setdefault(str(annotation.get(shape.call_of)), []).append(annotation)
    rows: list[Row] = []
    seen: set[str] = set()
    for where, call in calls:
        ext = str(shape.call_id(call) or "")
        if not ext:
            raise error(source, where, "a call without an id")
        annotations = list(call.get(shape.notes_key) or []) + by_call.get(ext, [])
        seen.add(ext)
        labels = _labels(shape, source, where, annotations, scales, only, notes)
        if labels or shape.keep_call(call):
            rows.append(Row(shape.item(call), tuple(labels),
                            where if isinstance(where, int) else None))
    missing = sorted(set(by_call) - seen)
    if missing:
        raise error(source, missing[0], f"{len(missing)} annotations name calls the file does "
                    "not hold: export the traces (runs) with their scores (feedback)")
    return rows


def _labels(shape: Shape, source: Source, where: int | str, annotations: list[Annotation],
            scales: Scales, only: str | None, notes: Notes) -> list[LabelIn]:
    labels: dict[tuple[str, str], LabelIn] = {}
    for annotation in annotations:
        skip = shape.human(annotation)
        if skip is not None:
            notes.add(skip)
            continue
        criterion, raw, who, why = shape.annotation(annotation)
        if only is not None and criterion != only:
            continue
        if raw is None:
            notes.add("annotations without a value left out")
            continue
        at = where if isinstance(where, int) else str(annotation.get("id") or where)
        if (criterion, who) in labels:
            raise error(source, at,
                        f"{who!r} annotated {criterion!r} twice on call {where}: keep one")
        labels[(criterion, who)] = label(source, at, criterion, raw, scales.scale(criterion),
                                         who, why)
    return list(labels.values())
