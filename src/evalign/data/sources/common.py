"""What the tool-export importers share: reading their files, and turning annotations into labels.

Each tool (Label Studio, Langfuse, LangSmith) exports items with their human annotations nested
inside, or beside them keyed by the item's id. A file is read as:

- a JSON array of records, or JSONL: streamed, errors name `file:line`;
- a JSON object holding named lists (`{"traces": [...], "scores": [...]}`): read whole (it is
  one value), errors name the record's id.

Annotations that a model made (an LLM-as-a-judge score, an online evaluator's feedback) are not
human labels and are left out, counted in the import's notes; so are annotations with no value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from evalign.data.reader import Record, Source, json_array_records, jsonl_records
from evalign.data.records import LabelIn
from evalign.errors import DataError
from evalign.items import as_text
from evalign.scores import ScoreConfig


@dataclass
class Notes:
    """What an importer skipped, as counts by reason (shown as warnings)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, reason: str) -> None:
        """Count one skipped annotation (or item) for `reason`."""
        self.counts[reason] = self.counts.get(reason, 0) + 1

    def warnings(self) -> list[str]:
        """One line per reason."""
        return [f"{n} {reason}" for reason, n in sorted(self.counts.items())]


def head(source: Source) -> str:
    """The first non-blank character of the file ('' when empty)."""
    for _line, text in source.lines():
        if text.strip():
            return text.strip()[0]
    return ""


def stream(source: Source) -> Iterator[Record]:
    """The records of a JSON array or JSONL file, with their lines."""
    first = head(source)
    if first == "[":
        return json_array_records(source)
    return jsonl_records(source)


def whole(source: Source) -> dict[str, Any]:
    """A JSON object file, read whole.

    Raises:
        DataError: not JSON, or not an object.
    """
    text = "".join(line for _n, line in source.lines())
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise source.error(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    if not isinstance(value, dict):
        raise source.error("expected a JSON object or array of records", 1)
    return value


def label(source: Source, where: str | int | None, criterion: str, raw: Any,
          scale: ScoreConfig, annotator: str, reasoning: str = "") -> LabelIn:
    """One label, its value read on the criterion's scale.

    Args:
        where: the line number, or a record id (shown as `file: record ID`).

    Raises:
        DataError: the value lies outside the scale; says how to choose another.
    """
    try:
        value = scale.parse_value(raw)
    except ValueError as exc:
        message = (f"{criterion!r} label by {annotator!r} {exc} (scale {scale.spec()}; "
                   "choose another with --scale, or one criterion with --criterion)")
        raise error(source, where, message) from None
    return LabelIn(criterion, value, annotator, reasoning)


def error(source: Source, where: str | int | None, message: str) -> DataError:
    """A data error at a line (int) or a record id (str)."""
    if isinstance(where, int) or where is None:
        return source.error(message, where)
    return DataError(f"record {where}: {message}", source.name)


def text_of(value: Any) -> str:
    """A field value as text; a one-key dict (`{"output": "..."}`) gives its value."""
    if isinstance(value, dict) and len(value) == 1:
        value = next(iter(value.values()))
    return as_text(value)


def fields_of(value: Any, default_name: str) -> dict[str, Any]:
    """An input value as named fields: a dict as it is, anything else under `default_name`."""
    if isinstance(value, dict):
        return dict(value)
    return {} if value is None else {default_name: value}
