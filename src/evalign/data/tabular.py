"""CSV, JSON-array and JSONL tables with a column mapping.

The mapping names which column holds each part of an item: `input`, `output`, `label`,
`reasoning`, `id`, `annotator`. Common column names map themselves (`response` → output,
`target`/`humanScore`/`judgement` → label, `reason`/`humanReasoning` → reasoning, ...); an
explicit `--map KEY=COLUMN` wins. Any other key in the mapping names an input field read from
that column. Columns no key claims become input fields under their own names, so a judge
template can use `{question}` or `{grading_notes}` as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from evalign.data.reader import Origin, Record
from evalign.data.records import DEFAULT_ANNOTATOR, DEFAULT_CRITERION, LabelIn, Row
from evalign.data.scales import Scales, is_blank, label_value
from evalign.errors import ConfigError
from evalign.items import Item, as_text
from evalign.scores import PASS_FAIL

DEFAULT_SCALE = PASS_FAIL
KEYS = ("id", "input", "output", "label", "reasoning", "annotator")
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "item_id", "external_id", "uuid", "example_id"),
    "input": ("input",),
    "output": ("output", "response", "answer", "completion", "generation", "actual_output",
               "model_output", "llm_output"),
    "label": ("label", "humanscore", "human_score", "target", "judgement", "judgment",
              "human_label", "gold_label", "human_judgement", "expected_verdict"),
    "reasoning": ("reasoning", "humanreasoning", "human_reasoning", "reason", "rationale",
                  "explanation", "critique"),
    "annotator": ("annotator", "annotator_id", "labeler", "rater"),
}


def parse_map(pairs: Iterable[str]) -> dict[str, str]:
    """`KEY=COLUMN` strings (the `--map` option) as a dict.

    Raises:
        ConfigError: a pair without `=` or with an empty side.
    """
    mapping: dict[str, str] = {}
    for pair in pairs:
        key, sep, column = pair.partition("=")
        if not sep or not key.strip() or not column.strip():
            raise ConfigError(f"bad --map {pair!r}: write KEY=COLUMN, e.g. --map output=response")
        mapping[key.strip()] = column.strip()
    return mapping


def resolve_mapping(
    origin: Origin, columns: Iterable[str], explicit: Mapping[str, str], line: int
) -> dict[str, str]:
    """Which column each key reads: the explicit mapping, then the common names.

    Raises:
        DataError: a mapped column is not among the columns, or no output column is found.
    """
    names = list(columns)
    for key, column in explicit.items():
        if column not in names:
            raise origin.error(
                f"column {column!r} (mapped with --map {key}={column}) is missing; "
                f"columns: {', '.join(names)}",
                line,
            )
    mapping = dict(explicit)
    lower = {name.lower(): name for name in names}
    for key in KEYS:
        if key in mapping:
            continue
        taken = set(mapping.values())
        found = next((lower[a] for a in ALIASES[key] if a in lower), None)
        if found is not None and found not in taken:
            mapping[key] = found
    if "output" not in mapping:
        raise origin.error(
            "no output column: name it with --map output=COLUMN; "
            f"columns: {', '.join(names)}",
            line,
        )
    return mapping


class TableReader:
    """Turns table records into rows under one column mapping.

    Args:
        origin: the file (or DataFrame), for error messages.
        scales: the scale of each criterion.
        mapping: explicit `KEY → COLUMN` pairs; the rest are found by name.
        criterion: the criterion labels belong to.
        annotator: the annotator when no annotator column is mapped.
    """

    def __init__(
        self,
        origin: Origin,
        scales: Scales,
        mapping: Mapping[str, str] | None = None,
        criterion: str | None = None,
        annotator: str | None = None,
    ):
        self.origin = origin
        self.scales = scales
        self.explicit = dict(mapping or {})
        self.criterion = criterion or DEFAULT_CRITERION
        self.annotator = annotator or DEFAULT_ANNOTATOR
        self.mapping: dict[str, str] | None = None

    def rows(self, records: Iterable[Record]) -> Iterator[Row]:
        """One row per record; the first record fixes the mapping."""
        for line, record in records:
            if self.mapping is None:
                self.mapping = resolve_mapping(self.origin, record.keys(), self.explicit,
                                               self.origin.header_line or line)
            yield self.row(line, record, self.mapping)

    def row(self, line: int, record: dict[str, Any], mapping: dict[str, str]) -> Row:
        """The row of one record."""
        output_column = mapping["output"]
        if output_column not in record:
            raise self.origin.error(f'"{output_column}" (the output) is missing', line)
        claimed = set(mapping.values())
        inputs = {k: v for k, v in record.items() if k not in claimed}
        for key, column in mapping.items():
            if key not in KEYS or key == "input":
                if column not in record:
                    raise self.origin.error(f'"{column}" (input {key!r}) is missing', line)
                inputs[key] = record[column]
        item = Item(inputs, as_text(record[output_column]), None, {}, self._get(record, "id"))
        label = self._label(line, record, mapping)
        return Row(item, (label,) if label else (), line)

    def _get(self, record: dict[str, Any], key: str) -> str:
        column = self.mapping.get(key) if self.mapping else None
        value = record.get(column) if column else None
        return "" if value is None else as_text(value).strip()

    def _label(self, line: int, record: dict[str, Any], mapping: dict[str, str]) -> LabelIn | None:
        column = mapping.get("label")
        raw = record.get(column) if column else None
        if is_blank(raw):
            return None
        value = label_value(self.origin, line, column or "label", raw,
                            self.scales.scale(self.criterion))
        annotator = self._get(record, "annotator") or self.annotator
        return LabelIn(self.criterion, value, annotator, self._get(record, "reasoning"))


def parse(
    origin: Origin,
    records: Iterable[Record],
    scales: Scales,
    *,
    mapping: Mapping[str, str] | None = None,
    criterion: str | None = None,
    annotator: str | None = None,
) -> Iterator[Row]:
    """Rows from table records (see `TableReader`)."""
    return TableReader(origin, scales, mapping, criterion, annotator).rows(records)
