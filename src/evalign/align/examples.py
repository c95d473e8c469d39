"""Labeled examples: an item with its human label, as the optimizers see it."""

from __future__ import annotations

from dataclasses import dataclass, field

from evalign.items import Item
from evalign.scores import ScoreConfig, Value


@dataclass(frozen=True)
class Example:
    """One item with the human label it carries for the judge's criterion.

    Attributes:
        item: the item (inputs, output, metadata).
        label: the human value, on `scale`.
        scale: the human label's score config.
        reasoning: the human's reasoning, when given.
        ratings: each annotator's own value (adjudications left out), for the human ceiling.
    """

    item: Item
    label: Value
    scale: ScoreConfig
    reasoning: str = ""
    ratings: dict[str, Value] = field(default_factory=dict, compare=False, hash=False)

    @property
    def passed(self) -> bool:
        """The human label as pass/fail (ties and unknowns count as fail)."""
        return bool(self.scale.to_pass(self.label))

    @property
    def score100(self) -> float | None:
        """The human label on 0–100, when the scale is ordered."""
        return self.scale.to_100(self.label)

    def group_key(self, group_by: str | None) -> str:
        """The value that keeps near-duplicates together in one split part."""
        if group_by:
            fields = self.item.fields()
            if group_by in fields:
                return fields[group_by]
            if group_by in self.item.metadata:
                return str(self.item.metadata[group_by])
        return self.item.external_id or str(self.item.id) or repr(self.item.inputs)
