"""Where parsers get a criterion's scale: fixed defaults, or the store's criteria (`Criteria`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from evalign.data.reader import Origin
from evalign.data.spellings import binary_label, is_placeholder
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
    """Whether a label cell is empty: that row has no label there (not a data error).

    None, blank text and a float NaN (pandas' empty cell) are empty; `N/A` is not (see
    `label_value`).
    """
    if isinstance(raw, float):
        return math.isnan(raw)
    return raw is None or (isinstance(raw, str) and not raw.strip())


def label_value(
    origin: Origin, line: int | None, column: str, raw: Any, scale: ScoreConfig
) -> Value:
    """`raw` read on `scale`, or a data error naming the file, line and column.

    On a pass/fail or thumbs scale every unambiguous spelling (`Passed`, `✅`, `1.0`, `PASS.`,
    see `evalign.data.spellings`) is read first, so nothing unusual falls through to a guess.

    Raises:
        DataError: the value lies outside the scale, or is a placeholder such as `N/A`; the
            message says what to do.
    """
    if scale.kind in ("pass_fail", "thumbs"):
        flag = binary_label(raw)
        raw = raw if flag is None else "pass" if flag else "fail"
    try:
        return scale.parse_value(raw)
    except ValueError as exc:
        if is_placeholder(raw):
            raise origin.error(
                f'"{column}" is {str(raw).strip()!r}, which stands for no label: leave the cell '
                "empty to import the item unlabeled, or write the label", line,
            ) from None
        hint = f" (scale {scale.spec()}; choose another with --scale)"
        raise origin.error(f'"{column}" {exc}{hint}', line) from None
