"""One flat row per item: the shape of `Dataset.to_pandas()` and of CSV exports.

Columns: `id`, the input fields, `output` (pairwise: `output_1`, `output_2`), then the labels.
With one criterion and one annotator the label columns are `label` and `reasoning`, so the table
imports back as it is; with several annotators each gets a column named after them (PandaLM's
`annotator1..3` round-trip); with several criteria, one column per criterion, or
`criterion/annotator` when both vary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from evalign.items import Item
from evalign.scores import Value

LabelKey = tuple[str, str]
"""(criterion, annotator)"""


def label_columns(keys: Iterable[LabelKey]) -> dict[LabelKey, str]:
    """The column each (criterion, annotator) pair's value goes to."""
    pairs = sorted(set(keys))
    criteria = {c for c, _ in pairs}
    annotators = {a for _, a in pairs}
    if len(pairs) == 1:
        return {pairs[0]: "label"}
    if len(criteria) == 1:
        return {(c, a): a for c, a in pairs}
    if len(annotators) == 1:
        return {(c, a): c for c, a in pairs}
    return {(c, a): f"{c}/{a}" for c, a in pairs}


def flat_row(
    item: Item,
    labels: Sequence[tuple[LabelKey, Value, str]],
    columns: dict[LabelKey, str],
) -> dict[str, Any]:
    """The flat row of one item and its labels `((criterion, annotator), value, reasoning)`."""
    row: dict[str, Any] = {"id": item.external_id, **item.inputs}
    if item.output_2 is not None:
        row["output_1"], row["output_2"] = item.output, item.output_2
    else:
        row["output"] = item.output
    for column in columns.values():
        row.setdefault(column, None)
    for key, value, reasoning in labels:
        column = columns[key]
        row[column] = value
        if reasoning:
            reason_column = "reasoning" if column == "label" else f"{column}_reasoning"
            row[reason_column] = reasoning
    return row
