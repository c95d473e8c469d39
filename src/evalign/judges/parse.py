"""A tolerant reader of judge answers; an answer it cannot read is an error, never a guess.

Accepted, in order: a JSON object (bare, inside a ```json fence, or embedded in prose) with a
`verdict`-like key; a `Verdict: X` / `Score: X` line; the answer's first word or number (a lone
`PASS`, `4`, `tie`, a category label, `4/5`). Everything else raises `ParseError` with the raw text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from evalign.errors import ParseError
from evalign.scores import ScoreConfig, Value

_VERDICT_KEYS = ("verdict", "score", "label", "result", "answer", "value", "rating",
                 "decision", "winner", "preference", "grade")
_REASON_KEYS = ("reasoning", "reason", "explanation", "rationale", "justification", "why")
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_LINE = re.compile(
    r"^\s*[*#>\-\s]*(?:final\s+)?(?:verdict|score|rating|answer|label|result|decision|grade|"
    r"winner|preference)\s*[*]*\s*[:=\-]\s*[*\"'`]*\s*([^\n*\"'`]+)",
    re.IGNORECASE | re.MULTILINE,
)
_WORD = re.compile(r"[\w.+-]+(?:/\d+)?", re.UNICODE)


@dataclass(frozen=True)
class Parsed:
    """A readable answer: the canonical value and the reason the judge gave."""

    value: Value
    reasoning: str


def parse_answer(text: str, scale: ScoreConfig) -> Parsed:
    """Read `text` as a verdict on `scale`.

    Raises:
        ParseError: nothing in the text reads as a value of the scale; keeps the raw text.
    """
    stripped = text.strip()
    if not stripped:
        raise ParseError("the judge's answer is empty", raw=text)
    data = _json_object(stripped)
    if data is not None:
        parsed = _from_json(data, scale)
        if parsed is not None:
            return parsed
    for match in _LINE.finditer(stripped):
        value = _read(match.group(1), scale)
        if value is not None:
            return Parsed(value, _without(stripped, match.group(0)))
        value = _read_lead(match.group(1), scale)
        if value is not None:  # "Score: 8/10 because ..." — the reason follows the value
            tail = _after_first_word(match.group(1))
            return Parsed(value, _clean_reason(tail + " " + _without(stripped, match.group(0))))
    first_line, _, rest = stripped.partition("\n")
    value = _read_lead(first_line, scale)
    if value is not None:
        return Parsed(value, _clean_reason(rest or _after_first_word(first_line)))
    raise ParseError(
        f"could not read a {scale.spec()} verdict from the judge's answer "
        f"({_preview(stripped)!r})",
        raw=text,
    )


def _json_object(text: str) -> dict[str, Any] | None:
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    for candidate in candidates:
        try:
            data = json.loads(candidate.strip())
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return None


def _from_json(data: dict[str, Any], scale: ScoreConfig) -> Parsed | None:
    lowered = {str(k).lower(): v for k, v in data.items()}
    reason = next((str(lowered[k]) for k in _REASON_KEYS if k in lowered), "")
    for key in _VERDICT_KEYS:
        if key in lowered and lowered[key] is not None:
            value = _read(str(lowered[key]), scale)
            if value is not None:
                return Parsed(value, reason.strip())
    return None


def _read(token: str, scale: ScoreConfig) -> Value | None:
    """One candidate token as a scale value, or None."""
    text = token.strip().strip(".,;:!*\"'`()[]").strip()
    if scale.kind in ("numeric", "stars"):
        text = re.sub(r"\s*/\s*\d+(\.\d+)?$", "", text)  # "4/5" → "4"
    if scale.kind == "pairwise":
        text = re.sub(r"^(?:output|response|answer|assistant)\s*[_ ]?", "", text, flags=re.I)
        text = text.strip("()[]. ")
    try:
        return scale.parse_value(text)
    except ValueError:
        return None


def _read_lead(line: str, scale: ScoreConfig) -> Value | None:
    """The answer's lead as a value: the whole first line, else its first word."""
    whole = _read(line, scale)
    if whole is not None:
        return whole
    if scale.kind == "categorical":
        # Labels may contain spaces: accept a line that starts with one.
        low = line.strip().strip("*\"'`").lower()
        for label in sorted(scale.labels, key=len, reverse=True):
            if low.startswith(label.lower()) and not low[len(label):len(label) + 1].isalnum():
                return label
        return None
    word = _WORD.search(line)
    if word is None or word.start() > 3:
        return None
    return _read(word.group(0), scale)


def _after_first_word(line: str) -> str:
    parts = line.strip().split(None, 1)
    return parts[1] if len(parts) > 1 else ""


def _without(text: str, part: str) -> str:
    return _clean_reason(text.replace(part, "", 1))


def _clean_reason(text: str) -> str:
    text = text.strip().lstrip("-:.,*").strip()
    return re.sub(r"^(?:reason(?:ing)?|explanation|because)\s*[:\-]\s*", "", text, flags=re.I)


def _preview(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
