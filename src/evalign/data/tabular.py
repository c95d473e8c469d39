"""CSV, JSON-array and JSONL tables with a column mapping.

The mapping names which column holds each part of an item: `input`, `output`, `label`,
`reasoning`, `id`, `annotator`, `criterion`. Common column names map themselves (`response` →
output, `reason`/`humanReasoning` → reasoning, `annotator`/`rater` → annotator, ...); an explicit
`--map KEY=COLUMN` wins. The label column is never guessed: it is taken by name only when
exactly one column could hold the human label (see `evalign.data.columns`), and a file with two
such columns (`judgement` and `human_label`) is refused until `--map label=COLUMN` names one.
Any other key in the mapping names an input field read from that column. Columns no key claims
become input fields under their own names, so a judge template can use `{question}` or
`{grading_notes}` as they are.

A table with both an `id` and an `annotator` column may hold one row per item and annotator
(long format): its rows are merged into one item per id (see `evalign.data.longformat`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from itertools import chain
from typing import Any

from evalign.data.columns import judge_like, label_candidates, likeliest, words
from evalign.data.longformat import merge_annotations, split_annotation_fields
from evalign.data.reader import Origin, Record
from evalign.data.records import DEFAULT_ANNOTATOR, DEFAULT_CRITERION, LabelIn, Row
from evalign.data.scales import Scales, is_blank, label_value
from evalign.data.spellings import is_placeholder
from evalign.errors import ConfigError, DataError
from evalign.items import Item, as_text
from evalign.scores import PASS_FAIL

DEFAULT_SCALE = PASS_FAIL
KEYS = ("id", "input", "output", "label", "reasoning", "annotator", "criterion")
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "item_id", "external_id", "uuid", "example_id", "trace_id", "traceid",
           "task_id", "sample_id", "record_id"),
    "input": ("input",),
    "output": ("output", "response", "answer", "completion", "generation", "actual_output",
               "model_output", "llm_output"),
    "reasoning": ("reasoning", "humanreasoning", "human_reasoning", "reason", "rationale",
                  "explanation", "critique"),
    "annotator": ("annotator", "annotator_id", "annotator_name", "annotator_email", "labeler",
                  "labeller", "rater", "rater_id", "reviewer", "annotated_by", "labeled_by",
                  "completed_by"),
    "criterion": ("criterion", "feedback_key", "score_name"),
}
"""Column names (lower case) each key reads without a mapping; the label has its own rule."""


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
        DataError: a mapped column is not among the columns, no output column is found, or
            more than one column could hold the human label.
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
        if key in mapping or key == "label":
            continue
        taken = set(mapping.values())
        found = next((lower[a] for a in ALIASES[key] if a in lower), None)
        if found is not None and found not in taken:
            mapping[key] = found
    if "label" not in mapping:
        label = _label_column(origin, names, set(mapping.values()), line)
        if label is not None:
            mapping["label"] = label
    if "output" not in mapping:
        raise origin.error(
            "no output column: name it with --map output=COLUMN; "
            f"columns: {', '.join(names)}{_delimiter_hint(names)}",
            line,
        )
    return mapping


def _delimiter_hint(names: list[str]) -> str:
    # One column whose name holds `;` or a tab: the file was split on the wrong delimiter.
    if len(names) != 1:
        return ""
    found = next((d for d in (";", "\t", "|", ",") if d in names[0]), None)
    if found is None:
        return ""
    shown = "tab" if found == "\t" else found
    return f" (one column whose name holds {shown!r}: import with --delimiter '{shown}')"


def _label_column(origin: Origin, names: list[str], taken: set[str], line: int) -> str | None:
    candidates = [c for c in label_candidates(names) if c not in taken]
    if len(candidates) > 1:
        quoted = ", ".join(repr(c) for c in candidates)
        example = likeliest(candidates)
        raise origin.error(
            f"{len(candidates)} columns could hold the human label ({quoted}) and evalign does "
            f"not guess which: name it with --map label=COLUMN (e.g. --map label={example}); "
            "the other columns stay input fields",
            line,
        )
    return candidates[0] if candidates else None


def _looks_like_text(raw: Any) -> bool:
    """Whether a refused label value reads as free text (a reference answer, a note), not as a
    mistyped label (`N/A`, `2.5`): only then may the column not be the label at all."""
    if not isinstance(raw, str) or is_placeholder(raw):
        return False
    try:
        float(raw)
    except ValueError:
        return True
    return False


def judge_columns_note(columns: Iterable[str], mapping: Mapping[str, str]) -> str | None:
    """A note naming label-like columns skipped because they read as a judge's output."""
    label_words = {"label", "labels", "verdict", "judgement", "judgment", "target", "score",
                   "grade", "rating", "pass", "result"}
    skipped = [c for c in columns
               if c != mapping.get("label") and judge_like(c) and set(words(c)) & label_words]
    if not skipped:
        return None
    names = ", ".join(repr(c) for c in skipped)
    return (f"column {names} is named like a judge's or model's output: kept as an input field, "
            "never taken as the human label (if a person wrote it, import with "
            "--map label=COLUMN)")


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
        """One row per record (one per id in long format); the first record fixes the mapping."""
        records = iter(records)
        first = next(records, None)
        if first is None:
            return
        self.mapping = resolve_mapping(self.origin, first[1].keys(), self.explicit,
                                       self.origin.header_line or first[0])
        rows = self._rows(chain([first], records), self.mapping)
        if "id" in self.mapping and "annotator" in self.mapping:
            rows = merge_annotations(self.origin, (self._split(row) for row in rows))
        yield from rows

    def _rows(self, records: Iterable[Record], mapping: dict[str, str]) -> Iterator[Row]:
        for line, record in records:
            yield self.row(line, record, mapping)

    @staticmethod
    def _split(row: Row) -> tuple[Row, dict[str, Any]]:
        inputs, extra = split_annotation_fields(row.item.inputs)
        if not extra:
            return row, extra
        item = Item(inputs, row.item.output, row.item.output_2, row.item.metadata,
                    row.item.external_id)
        return replace(row, item=item), extra

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
        criterion = self._get(record, "criterion") or self.criterion
        try:
            value = label_value(self.origin, line, column or "label", raw,
                                self.scales.scale(criterion))
        except DataError as exc:
            if "label" in self.explicit or not _looks_like_text(raw):
                raise
            raise self.origin.error(
                f"{exc.problem}; {column!r} was taken as the human label by its name: if it is "
                f"not one, keep it as an input field with --map {column}={column}", line,
            ) from None
        annotator = self._get(record, "annotator") or self.annotator
        return LabelIn(criterion, value, annotator, self._get(record, "reasoning"))


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
