"""Where parsers get a criterion's scale: fixed defaults, or the store's criteria (`Criteria`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from evalign.scores import PASS_FAIL, ScoreConfig


class Scales(Protocol):
    """Answers the scale that labels of a criterion are checked against."""

    def scale(self, criterion: str) -> ScoreConfig:
        """The scale of `criterion`."""
        ...


@dataclass(frozen=True)
class FixedScales:
    """Scales without a store: the user's scale if given, else the format's default.

    Args:
        explicit: the scale the user asked for (`--scale`), or None.
        default: the format's own scale (pass/fail, pairwise, numeric 0–100 ...).
    """

    explicit: ScoreConfig | None = None
    default: ScoreConfig = PASS_FAIL

    def scale(self, criterion: str) -> ScoreConfig:
        """The explicit scale, else the default (every criterion alike)."""
        return self.explicit or self.default
