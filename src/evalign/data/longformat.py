"""Long-format annotation files: one row per item and annotator, merged into one item per id.

Langfuse, LangSmith and Label Studio export annotations this way: the rows of one item share its
`id` and differ in `annotator` (and sometimes in the criterion). `merge_annotations` gathers
them into one row per id, in the order ids first appear, with every row's labels. Rows of one id
must hold the same item (inputs and outputs); anything else is refused naming both lines, since
evalign cannot tell which copy the labels were about. Per-annotation columns (when and how long
someone took, the annotation's own id) differ from row to row by nature: they are set aside
before the comparison and kept, per label, in the item's `metadata["annotations"]`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from evalign.data.reader import Origin
from evalign.data.records import LabelIn, Row
from evalign.items import Item

PER_ANNOTATION = frozenset({
    "annotation_id", "created_at", "updated_at", "lead_time", "timestamp", "submitted_at",
    "annotated_at", "labeled_at", "time_spent", "duration", "completed_at",
})
"""Column names (lower case) that describe one annotation, not the item."""


@dataclass
class _Group:
    row: Row
    labels: list[LabelIn] = field(default_factory=list)
    where: dict[tuple[str, str], int | None] = field(default_factory=dict)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def split_annotation_fields(inputs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`inputs` without its per-annotation columns, and those columns."""
    kept = {k: v for k, v in inputs.items() if k.lower() not in PER_ANNOTATION}
    extra = {k: v for k, v in inputs.items() if k.lower() in PER_ANNOTATION}
    return kept, extra


def merge_annotations(origin: Origin, rows: Iterable[tuple[Row, dict[str, Any]]]
                      ) -> Iterator[Row]:
    """One row per id, holding the labels of every row with that id.

    Args:
        origin: the file, for error messages.
        rows: each row with its per-annotation fields (see `split_annotation_fields`).

    Raises:
        DataError: an id whose rows hold different items, or one annotator labeling one
            criterion of an item twice; both lines are named.
    """
    groups: dict[str, _Group] = {}
    order: list[_Group] = []
    for row, extra in rows:
        ext = row.item.external_id
        group = groups.get(ext) if ext else None
        if group is None:
            group = _Group(row)
            order.append(group)
            if ext:
                groups[ext] = group
        else:
            _check_same_item(origin, group.row, row)
        _add_labels(origin, group, row, extra)
        group.notes.extend(n for n in row.notes if n not in group.notes)
    for group in order:
        yield _merged(group)


def _check_same_item(origin: Origin, first: Row, row: Row) -> None:
    a, b = first.item, row.item
    for part, left, right in (("inputs", a.inputs, b.inputs), ("output", a.output, b.output),
                              ("output_2", a.output_2, b.output_2)):
        if left != right:
            differs = _first_difference(left, right) if part == "inputs" else part
            raise origin.error(
                f"id {a.external_id!r} is used on line {first.line} and on line {row.line} "
                f"for different items ({differs} differs): rows of one id must repeat the same "
                "item, one row per annotator; give each item its own id",
                row.line,
            )


def _first_difference(left: Any, right: Any) -> str:
    if not isinstance(left, dict) or not isinstance(right, dict):
        return "inputs"
    for key in [*left, *(k for k in right if k not in left)]:
        if left.get(key) != right.get(key):
            return repr(key)
    return "inputs"


def _add_labels(origin: Origin, group: _Group, row: Row, extra: dict[str, Any]) -> None:
    for label in row.labels:
        key = (label.criterion, label.annotator)
        if key in group.where:
            raise origin.error(
                f"annotator {label.annotator!r} labels criterion {label.criterion!r} of id "
                f"{row.item.external_id!r} twice (lines {group.where[key]} and {row.line}): "
                "keep one row per annotator and criterion",
                row.line,
            )
        group.where[key] = row.line
        group.labels.append(label)
        if extra:
            group.annotations.append({"annotator": label.annotator,
                                      "criterion": label.criterion, **extra})


def _merged(group: _Group) -> Row:
    item = group.row.item
    if group.annotations:
        metadata = {**item.metadata, "annotations": group.annotations}
        item = Item(item.inputs, item.output, item.output_2, metadata, item.external_id)
    return replace(group.row, item=item, labels=tuple(group.labels), notes=tuple(group.notes))
