"""Reading scores on `numeric` and `stars` scales: denominators, percentages, refusals.

A judge does not always answer on the scale it was asked for. The rules, none of which clamps:

* A score with its denominator (`4/5`, `85/100`, `7 out of 10`, `8,5/10`) or a percentage
  (`85%`) is rescaled to the judge's scale as a share of its maximum: `N/D × max` (on 0–100,
  `4/5` reads 80; on 1–10, `8/10` reads 8; on stars, `8/10` reads 4). A denominator equal to the
  scale's maximum keeps the number as written. `6/5`, `0/0`, or a result outside the scale is
  an `out_of_scale` error, and so is a result that is not a whole number of stars.
* A bare number outside the scale (`150` on 0–100) is an `out_of_scale` error.
* A bare fraction of 1 (`0.9`, and `1.0` written with its decimals) on a scale that reaches
  above 1 is an `out_of_scale` error: the judge most likely meant 90 %, but a reader cannot
  know, so it does not guess.
* In running text only a score with its denominator that ends its sentence counts ("I give this
  a 7/10."); "covers 3 out of 5 points" and a labelled sub-score ("Coverage: 3/5") do not.
* String numbers read as numbers (`"20"`); list numbers (`1. The city …`), ranges (`0-100`) and
  dates (`1/2/2024`) are not scores.
"""

from __future__ import annotations

import math
import re

from evalign.judges.answer_types import (
    Context,
    Found,
    Prose,
    only_decoration,
    separated,
    strip_lead,
    tentative_after,
    tentative_before,
)
from evalign.scores import ScoreConfig

_NUMBER = r"[-+]?\d+(?:\.\d+|,\d{1,2}(?!\d))?"  # "8,5" is 8.5; "1,000" is not
_SCORE = re.compile(
    rf"(?P<num>{_NUMBER})(?:\s*(?P<pct>%)|\s*(?:/|\bout\s+of\b|\bof\b|\bover\b|\bvon\b|\bsur\b|"
    rf"\bde\b|\bsu\b|\bиз\b)\s*(?P<den>{_NUMBER}))?(?:\s*(?:points?|pts|stars?)\b)?",
    re.IGNORECASE)
_NOT_A_SCORE = re.compile(r"^\s*(?:/\s*\d|[-–]\s*\d|to\s+\d|bis\s+\d|[.,]\d)", re.IGNORECASE)
_LIST_NUMBER = re.compile(r"^[.)]\s+\S")
_PROSE_SCORE = re.compile(
    rf"(?<![\w/.,:])(?P<num>{_NUMBER})\s*(?:/|\bout\s+of\b)\s*(?P<den>{_NUMBER})(?![\w/.,]\w)"
    r"\s*[.!]?\s*(?=$|\n|[.!]\s)", re.IGNORECASE)
_LABEL = re.compile(r"[^\W\d_][\w\s]{0,40}[:=]\s*\S*\s*$")


class NumberReader:
    """Values of a `numeric` or `stars` scale."""

    def __init__(self, scale: ScoreConfig):
        self._scale = scale

    def option_word(self) -> str:
        """Numbers never form option lists the way `PASS/FAIL` does."""
        return r"(?!x)x"

    def read(self, fragment: str, context: Context) -> Found | None:
        """The score at the start of `fragment` in `context`, or None."""
        text, offset = strip_lead(fragment)
        match = _SCORE.match(text)
        if match is None:
            return None
        rest = text[match.end():]
        if _NOT_A_SCORE.match(rest):
            return None  # a range "0-100", a date "1/2/2024"
        with_scale = match.group("den") is not None or match.group("pct") is not None
        if context in ("whole", "line") and not only_decoration(rest):
            return None
        if context == "lead" and not with_scale and (
                _LIST_NUMBER.match(rest) or not separated(rest, allow_stop=False)):
            return None
        found = self.fit(match.group("num"), match.group("den"), bool(match.group("pct")))
        if context == "marker" and found.value is not None and self._others(rest, found.value):
            return None  # "Score: 7/10 for clarity, 5/10 for accuracy" gives two scores
        return Found(found.value, offset + match.end(), found.problem, tentative_after(rest))

    def _others(self, rest: str, value: object) -> bool:
        """Whether the rest of a marker's line gives another score with its denominator."""
        for match in _SCORE.finditer(rest.split("\n", 1)[0]):
            if match.group("den") or match.group("pct"):
                other = self.fit(match.group("num"), match.group("den"), bool(match.group("pct")))
                if other.value != value:
                    return True
        return False

    def read_json(self, value: object) -> Found | None:
        """A JSON number or numeric string under a verdict or score key."""
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return self.fit(repr(value), None, False)
        if isinstance(value, str):
            return self.read(value, "whole") or self.read(value, "marker")
        return None

    def prose(self, text: str) -> Prose:
        """Scores with a denominator that end their sentence ("I give this a 7/10.")."""
        values, mentions = [], set()
        for match in _PROSE_SCORE.finditer(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            if _LABEL.search(text[line_start:match.start()]):
                continue  # "Coverage: 3/5" is a labelled sub-score
            found = self.fit(match.group("num"), match.group("den"), False)
            if found.value is not None:
                mentions.add(found.value)
                if not tentative_before(text, match.start()):
                    values.append(found.value)
        return Prose(tuple(values), frozenset(mentions))

    def fit(self, number: str, denominator: str | None, percent: bool) -> Found:
        """`number` (over `denominator`, or a percentage) on the judge's scale, or a problem."""
        low, high = self._scale.bounds()
        value = _float(number)
        if percent:
            denominator = "100"
        if denominator is not None:
            written = f"{number}%" if percent else f"{number}/{denominator}"
            den = _float(denominator)
            if not den > 0 or not 0 <= value <= den:
                return Found(None, problem=f"{written} is not a score")
            if den != high:
                value = round(value * high / den, 9)
            return self._checked(value, written, rescaled=den != high)
        if high > 1 and (0 < value < 1 or (value == 1 and re.search(r"[.,]\d", number))):
            return Found(None, problem=(
                f"{number} looks like a fraction of 1, but this judge's scale is "
                f"{_num(low)}–{_num(high)}; say the scale is numeric:0:1, or ask for "
                f"{_num(low)}–{_num(high)}"))
        return self._checked(value, number, rescaled=False)

    def _checked(self, value: float, written: str, *, rescaled: bool) -> Found:
        low, high = self._scale.bounds()
        shown = f"{written} (= {_num(value)} on {_num(low)}–{_num(high)})" if rescaled else written
        if math.isnan(value) or not low <= value <= high:
            return Found(None, problem=f"{shown} lies outside the judge's scale "
                                       f"{_num(low)}–{_num(high)}; it is not clamped")
        try:
            return Found(self._scale.parse_value(value))
        except ValueError as exc:
            return Found(None, problem=f"{shown}: {exc}")


def _float(text: str) -> float:
    return float(text.replace(",", "."))


def _num(value: float) -> str:
    return f"{value:g}"
