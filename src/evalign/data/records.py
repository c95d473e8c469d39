"""What an importer yields: an item with its human labels and the line it came from."""

from __future__ import annotations

from dataclasses import dataclass

from evalign.items import Item
from evalign.scores import Value

DEFAULT_CRITERION = "default"
"""The criterion labels belong to when none is named."""

DEFAULT_ANNOTATOR = "human"
"""The annotator of a label whose source names none."""


@dataclass(frozen=True)
class LabelIn:
    """One human label on its way into the store.

    Attributes:
        criterion: the criterion's name.
        value: the canonical value, already checked against the criterion's scale.
        annotator: who gave it.
        reasoning: the annotator's explanation, if any.
        resolved: an adjudication (the decision about the others' labels), not one more
            annotator's label; only copies of a stored dataset carry one.
    """

    criterion: str
    value: Value
    annotator: str = DEFAULT_ANNOTATOR
    reasoning: str = ""
    resolved: bool = False


@dataclass(frozen=True)
class Row:
    """One imported item and its labels.

    Attributes:
        item: the item; an empty `external_id` gets the row's number when stored.
        labels: its human labels (none for an unlabeled item).
        line: the 1-based line (or CSV row) it starts on, for error messages.
        notes: what the user should know about this row (an image part shown as `[image]`,
            a column skipped); the import summary lists them as warnings.
    """

    item: Item
    labels: tuple[LabelIn, ...] = ()
    line: int | None = None
    notes: tuple[str, ...] = ()
