"""The one optimizer interface: `align(base, train, val, budget) -> Candidate`; never mutates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from evalign.align.examples import Example
from evalign.align.guards import Budget
from evalign.judges.spec import JudgeSpec, Verdict


@dataclass
class Candidate:
    """A judge version proposed by an optimizer, with how it did on validation.

    Attributes:
        spec: the proposed judge content (a new object; the base is never changed).
        strategy: which optimizer(s) produced it, e.g. `guidelines+threshold`.
        val_agreement: its agreement with the humans on the validation split.
        val_verdicts: its verdicts on the validation split, in order.
        curve: one entry per round tried: `{"strategy", "round", "val_agreement", "kept"}`.
        notes: plain-language remarks (e.g. why a round was dropped).
        details: strategy-specific data for the outcome (e.g. per-method aggregation scores).
    """

    spec: JudgeSpec
    strategy: str
    val_agreement: float
    val_verdicts: list[Verdict] = field(default_factory=list)
    curve: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


class Optimizer(Protocol):
    """Turns a base judge and labeled examples into a candidate judge."""

    name: str

    async def align(self, base: JudgeSpec, train: Sequence[Example], val: Sequence[Example],
                    budget: Budget) -> Candidate:
        """Propose a candidate built from `train`, chosen on `val`; `base` stays unchanged."""
        ...
