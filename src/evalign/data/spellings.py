"""How people spell a binary human label, read without guessing.

Spreadsheets, annotation tools and pandas exports write the same judgement many ways: `Pass`,
` FAIL `, `TRUE`, `yes`, `1.0`, `👍`, `thumbs_down`, `+1`, `Passed`, `✅`, `PASS.`. `binary_label`
maps each *unambiguous* spelling to `True` (pass / up) or `False` (fail / down) and everything
else to None, so the caller refuses it with file:line. Placeholders for a missing value (`N/A`,
`nan`, `null`, `-`) are not labels at all: `is_placeholder` tells them apart, so the message can
say to leave the cell empty instead of pretending they mean fail.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

_PASS = {
    "pass", "passed", "passes", "passing", "true", "t", "yes", "y", "ok", "okay", "good",
    "correct", "right", "accept", "accepted", "approve", "approved", "up", "thumbs_up",
    "thumbsup", "+1", "1", "👍", "✅", "✔", "✓", "☑", ":+1:", ":thumbsup:", ":white_check_mark:",
    ":heavy_check_mark:",
}
_FAIL = {
    "fail", "failed", "fails", "failing", "false", "f", "no", "n", "bad", "incorrect",
    "wrong", "reject", "rejected", "down", "thumbs_down", "thumbsdown", "-1", "0", "👎",
    "❌", "✗", "✘", "✖", ":-1:", ":thumbsdown:", ":x:",
}
_PLACEHOLDERS = {"n/a", "na", "nan", "null", "none", "nil", "-", "--", "?", "#n/a", "tbd"}
# Variation selectors and skin tones change how an emoji looks, not what it says.
_MODIFIERS = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")
_SPACES = re.compile(r"\s+")
_WORD_DASH = re.compile(r"(?<=[a-z])-(?=[a-z])")  # thumbs-up, not -1


def _canonical(raw: Any) -> str:
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    text = _MODIFIERS.sub("", text).strip()
    # A sentence full stop or exclamation mark after a lone word does not change it ("PASS.").
    text = text.rstrip(".!").strip() if len(text) > 1 else text
    return _WORD_DASH.sub("_", _SPACES.sub("_", text.lower()))


def binary_label(raw: Any) -> bool | None:
    """Whether `raw` spells pass (True) or fail (False); None when it is not an unambiguous one.

    Numbers count only when they are exactly 1 or 0 (`1`, `1.0`, `0.00`) or ±1 (`+1`, `-1`); any
    other number (`0.5`, `2`) is None, as is a sentence ("pass, mostly").
    """
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        return _number(float(raw))
    text = _canonical(raw)
    if text in _PASS:
        return True
    if text in _FAIL:
        return False
    try:
        return _number(float(text))
    except ValueError:
        return None


def _number(value: float) -> bool | None:
    if math.isnan(value):
        return None
    if value == 1.0:
        return True
    if value in (0.0, -1.0):
        return False
    return None


def is_placeholder(raw: Any) -> bool:
    """Whether `raw` is a stand-in for a missing value (`N/A`, `nan`, `null`, `-`)."""
    if isinstance(raw, float):
        return math.isnan(raw)
    return isinstance(raw, str) and _canonical(raw) in _PLACEHOLDERS
