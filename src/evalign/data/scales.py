"""Where parsers get a criterion's scale: fixed defaults, or the store's criteria (`Criteria`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from evalign.data.reader import Origin
from evalign.scores import PASS_FAIL, ScoreConfig, Value


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


def is_blank(raw: Any) -> bool:
    """Whether a label cell is empty: that row has no label there (not a data error)."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def label_value(
    origin: Origin, line: int | None, column: str, raw: Any, scale: ScoreConfig
) -> Value:
    """`raw` read on `scale`, or a data error naming the file, line and column.

    Raises:
        DataError: the value lies outside the scale; the message says how to pick another.
    """
    try:
        return scale.parse_value(raw)
    except ValueError as exc:
        hint = f" (scale {scale.spec()}; choose another with --scale)"
        raise origin.error(f'"{column}" {exc}{hint}', line) from None
