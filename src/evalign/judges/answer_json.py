"""Reading JSON answers by key: `{"verdict": "FAIL"}`, `{"pass": false}`, `{"score": 4}`.

Objects are found bare, inside ```` ``` ```` fences, or embedded in prose, and as Python-style
literals (`{'pass': False}`) or with a trailing comma. Keys are compared in lowercase with
spaces and dashes as `_`, and a `final_`/`overall_`/`my_` prefix is ignored. Three kinds of key
decide, all read through the judge's scale:

    verdict keys   verdict, label, result, decision, grade, judgment, answer, outcome, winner, …
    boolean keys   pass, passed, is_pass, success, is_correct, meets_criteria, …  (fail, is_fail
                   read the other way round); only on pass/fail and thumbs scales
    score keys     score, rating, value; a sibling max_score / out_of rescales it

Key *names* are never verdicts: `{"pass": false}` is FAIL. Keys that disagree (`"verdict":
"PASS"` with `"pass": false`) make the answer `ambiguous`. When several objects carry a
verdict, the last one decides. A nested object is searched when the top level has no key.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

from evalign.judges import answer_lexicon as lex
from evalign.judges.answer_types import Found, ValueReader

VERDICT_KEYS = ("verdict", "label", "result", "decision", "grade", "judgment", "judgement",
                "answer", "outcome", "classification", "category", "evaluation", "assessment",
                "conclusion", "winner", "preference", "preferred", "better", "choice",
                "rating")
SCORE_KEYS = ("score", "rating", "value", "points")
DENOMINATOR_KEYS = ("max_score", "out_of", "max", "scale_max", "max_rating", "maximum")
REASON_KEYS = ("reasoning", "reason", "explanation", "rationale", "justification", "why",
               "analysis", "critique", "feedback", "comment", "comments", "thoughts")
_PREFIXES = ("final_", "overall_", "my_", "the_", "judge_")
_DECODER = json.JSONDecoder()
_LITERAL_START = re.compile(r"\{\s*['\"]")  # {'pass': False}, {"verdict": "PASS",}
_LITERAL_LIMIT = 4000  # characters: a verdict object is small; code blocks are not read
_LITERAL_TRIES = 20  # non-JSON objects tried per answer (each costs a scan)


@dataclass(frozen=True)
class JsonObject:
    """One object found in an answer and where it lies (character offsets)."""

    data: dict[str, Any]
    start: int
    end: int


@dataclass(frozen=True)
class JsonReading:
    """What the answer's JSON says.

    Attributes:
        found: the value (or, with value None, the out-of-scale problem); None when keys
            disagree (`ambiguous`).
        reasoning: the text under a reasoning key, or "".
        keys: the deciding keys, for error messages.
    """

    found: Found | None
    reasoning: str
    keys: tuple[str, ...]


def find_objects(text: str) -> list[JsonObject]:
    """Every top-level JSON object in `text`, in order."""
    objects: list[JsonObject] = []
    position, literals = 0, _LITERAL_TRIES
    while (start := text.find("{", position)) >= 0:
        parsed = _decode(text, start, literals > 0)
        literals -= _LITERAL_START.match(text, start) is not None
        if parsed is None:
            position = start + 1
            continue
        data, end = parsed
        objects.append(JsonObject(data, start, end))
        position = end
    return objects


def read_objects(objects: list[JsonObject], reader: ValueReader, *,
                 binary: bool) -> JsonReading | None:
    """The verdict the last deciding object gives, or None when no object has a verdict key.

    Args:
        objects: from `find_objects`.
        reader: the judge scale's value reader.
        binary: whether boolean keys (`pass`, `is_fail`) apply (pass/fail and thumbs scales).
    """
    for obj in reversed(objects):
        reading = _read_object(_normalized(obj.data), reader, binary, depth=0)
        if reading is not None:
            return reading
    return None


def mask(text: str, objects: list[JsonObject]) -> str:
    """`text` with every object blanked (newlines kept), so key names are never read as prose."""
    chars = list(text)
    for obj in objects:
        for i in range(obj.start, obj.end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def _decode(text: str, start: int, literal: bool) -> tuple[dict[str, Any], int] | None:
    try:
        data, end = _DECODER.raw_decode(text, start)
    except ValueError:
        return _literal(text, start) if literal else None
    return (data, end) if isinstance(data, dict) else None


def _literal(text: str, start: int) -> tuple[dict[str, Any], int] | None:
    """A Python-style dict (`{'pass': False}`) or JSON with a trailing comma."""
    if _LITERAL_START.match(text, start) is None:
        return None
    end = _closing_brace(text, start)
    if end is None:
        return None
    source = re.sub(r"\btrue\b", "True", text[start:end])
    source = re.sub(r"\bfalse\b", "False", re.sub(r"\bnull\b", "None", source))
    try:
        data = ast.literal_eval(source)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return (data, end) if isinstance(data, dict) else None


def _closing_brace(text: str, start: int) -> int | None:
    depth, quote, escaped = 0, "", False
    for i in range(start, min(len(text), start + _LITERAL_LIMIT)):
        char = text[i]
        if quote:
            escaped = not escaped and char == "\\"
            if char == quote and not escaped:
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _normalized(data: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = re.sub(r"[\s\-]+", "_", str(key).strip().lower())
        for prefix in _PREFIXES:
            if name.startswith(prefix) and name != prefix.rstrip("_"):
                name = name[len(prefix):]
                break
        out.setdefault(name, value)
    return out


def _read_object(data: dict[str, Any], reader: ValueReader, binary: bool,
                 depth: int) -> JsonReading | None:
    readings: list[tuple[str, Found]] = []
    for key in dict.fromkeys(VERDICT_KEYS + SCORE_KEYS):  # "rating" is in both
        if key in data and data[key] is not None and not isinstance(data[key], dict | list):
            found = _scored(reader, data, key) if key in SCORE_KEYS else reader.read_json(
                data[key])
            readings.append((key, found or Found(None)))
    if binary:
        readings += [(key, _boolean(data[key], key in lex.FAIL_KEYS, reader))
                     for key in lex.PASS_KEYS + lex.FAIL_KEYS if key in data]
    if not readings:
        return _nested(data, reader, binary, depth)
    return JsonReading(_agreed(readings), _reason(data), tuple(k for k, _ in readings))


def _scored(reader: ValueReader, data: dict[str, Any], key: str) -> Found | None:
    denominator = next((data[k] for k in DENOMINATOR_KEYS if k in data), None)
    value = data[key]
    if isinstance(denominator, int | float) and not isinstance(denominator, bool) \
            and isinstance(value, int | float) and not isinstance(value, bool):
        return reader.read_json(f"{value:g}/{denominator:g}")
    return reader.read_json(value)


def _boolean(value: object, inverted: bool, reader: ValueReader) -> Found:
    text = str(value).strip().lower()
    if text in lex.TRUE_WORDS or text in lex.FALSE_WORDS:
        passed = (text in lex.TRUE_WORDS) != inverted
        return reader.read_json(passed) or Found(None)
    return Found(None)


def _agreed(readings: list[tuple[str, Found]]) -> Found | None:
    usable = [f for _, f in readings if f.value is not None and not f.tentative]
    values = {f.value for f in usable}
    if len(values) > 1:
        return None
    if usable:
        return usable[0]
    problems = [f for _, f in readings if f.problem]
    return problems[0] if problems else Found(None)


def _nested(data: dict[str, Any], reader: ValueReader, binary: bool,
            depth: int) -> JsonReading | None:
    if depth >= 2:
        return None
    inner = [r for v in data.values() if isinstance(v, dict)
             if (r := _read_object(_normalized(v), reader, binary, depth + 1)) is not None]
    if not inner:
        return None
    values = {r.found.value if r.found else None for r in inner}
    if len(inner) > 1 and len(values) > 1:
        return JsonReading(None, _reason(data), tuple(k for r in inner for k in r.keys))
    reason = _reason(data) or inner[0].reasoning
    return JsonReading(inner[0].found, reason, inner[0].keys)


def _reason(data: dict[str, Any]) -> str:
    return next((str(data[k]).strip() for k in REASON_KEYS
                 if k in data and isinstance(data[k], str | int | float)), "")
