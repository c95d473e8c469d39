"""Items as the judges, runner and optimizers see them: plain frozen records, no database."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Item:
    """One LLM interaction to judge.

    Attributes:
        inputs: named input fields (question, grading_notes, messages, ...).
        output: the output to judge; for a pairwise item, the first output.
        output_2: the second output of a pairwise item.
        metadata: anything else; usable for slices, never shown to a judge.
        external_id: the id the item had in its source file (stable across imports).
        id: the store's id, when the item came from a store.
    """

    inputs: dict[str, Any] = field(default_factory=dict)
    output: str | None = None
    output_2: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    external_id: str = ""
    id: int | None = None

    @property
    def pairwise(self) -> bool:
        """Whether the item holds two outputs to compare."""
        return self.output_2 is not None

    def fields(self) -> dict[str, str]:
        """Every field a judge template may name, as text.

        Inputs come first; `output` (and for pairwise items `output_1` and `output_2`) follow.
        Non-text values (chat messages, tool lists) are rendered as compact JSON.
        """
        values: dict[str, str] = {k: as_text(v) for k, v in self.inputs.items()}
        if self.output is not None:
            values["output"] = self.output
            values.setdefault("response", self.output)
        if self.output_2 is not None:
            values["output_1"] = self.output or ""
            values["output_2"] = self.output_2
        return values


def as_text(value: Any) -> str:
    """A field value as the text a prompt shows."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
