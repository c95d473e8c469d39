"""evalign's own JSONL (what `evalign export` writes): re-imports without loss.

Each record: `id`, `inputs` (object), `output`, optional `output_2`, `metadata`, and `labels`
(a list of `{criterion, annotator, value, reasoning}`); a `verdict` is ignored, since verdicts
belong to runs, not to datasets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from evalign.data.reader import Origin, Record
from evalign.data.records import DEFAULT_ANNOTATOR, DEFAULT_CRITERION, LabelIn, Row
from evalign.data.scales import Scales, label_value
from evalign.items import Item
from evalign.scores import PASS_FAIL

DEFAULT_SCALE = PASS_FAIL


def looks_native(columns: Iterable[str]) -> bool:
    """Whether records with these columns were written by `evalign export`."""
    names = set(columns)
    return {"inputs", "labels"} <= names and bool(names & {"output", "output_2"})


def parse(origin: Origin, records: Iterable[Record], scales: Scales) -> Iterator[Row]:
    """One row per record, labels checked against their criteria's scales.

    Raises:
        DataError: `inputs` not an object, `labels` not a list of objects, a bad label value.
    """
    for line, record in records:
        inputs = record.get("inputs") or {}
        if not isinstance(inputs, dict):
            raise origin.error('"inputs" must be an object of named fields', line)
        labels = record.get("labels") or []
        if not isinstance(labels, list):
            raise origin.error('"labels" must be a list of {"criterion", "value", ...}', line)
        item = Item(inputs, _text(record.get("output")), _optional(record.get("output_2")),
                    dict(record.get("metadata") or {}), _text(record.get("id")).strip())
        found = tuple(_label(origin, line, index, label, scales)
                      for index, label in enumerate(labels))
        yield Row(item, found, line)


def _label(origin: Origin, line: int, index: int, label: Any, scales: Scales) -> LabelIn:
    if not isinstance(label, dict) or "value" not in label:
        raise origin.error(f'labels[{index}] must be an object with a "value"', line)
    criterion = str(label.get("criterion") or DEFAULT_CRITERION)
    value = label_value(origin, line, f"labels[{index}].value", label["value"],
                        scales.scale(criterion))
    return LabelIn(criterion, value, str(label.get("annotator") or DEFAULT_ANNOTATOR),
                   str(label.get("reasoning") or ""))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)
