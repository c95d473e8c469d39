"""Finding the places in an answer that announce its verdict.

Markers, in the order they appear (the caller lets the *last* decide):

    key       `Verdict: FAIL`, `Final verdict: **FAIL**`, `Grade: PASS`, `结论：不通过`,
              `Verdict (PASS/FAIL): FAIL`, `## Verdict` with the value on the next line,
              `The final verdict is FAIL`, `"verdict": "FAIL"` in broken JSON, `pass: false`
    header    an echoed option list used as a key: `Pass/Fail: FAIL`, `PASS or FAIL? FAIL`
    bracket   `[[FAIL]]`, `[[8]]`, `[[A]]`, `\\boxed{PASS}`, `<verdict>FAIL</verdict>`
    line      a line, or a sentence, that is only a verdict: `FAIL`, `**PASS**`, `NOT PASS.` —
              on the answer's first or last line (the prescribed verdict line, the final one)
    inner     the same on a line in between, or right after a label (`Accuracy:\nPASS`): it
              counts only with the text around it, like the lead

Not markers: a key preceded by another word (`Accuracy score: 4` is a sub-score), a numbered list
item (`1. PASS`), a question (`PASS?`). A marker is *tentative* when hedged ("Verdict: PASS would
need …", "a lenient grader might write [[PASS]]"); the caller skips those.

The `lead` is the answer's first line when it opens with a value and a separator (`FAIL - the
year is missing`): weaker than a marker, it decides only with the text around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalign.judges import answer_lexicon as lex
from evalign.judges.answer_types import (
    Found,
    ValueReader,
    folded_finditer,
    tentative_after,
    tentative_before,
)


@dataclass(frozen=True)
class Marker:
    """A value found at a marker.

    Attributes:
        found: the value read there.
        start: where the marker starts in the scanned text (offset).
        end: where its value ends.
        source: `key`, `header`, `bracket`, `line`, `inner` or `lead` (see the module doc).
    """

    found: Found
    start: int
    end: int
    source: str


@dataclass(frozen=True)
class Scan:
    """Every marker of an answer in order, and its lead (None when it opens otherwise)."""

    markers: tuple[Marker, ...]
    lead: Marker | None


def _alternation(words: tuple[str, ...]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+").replace("_", r"[_\s]") for w in ordered)


_KEYED_SOURCE = (
    r"(?P<key>" + _alternation(lex.MARKER_KEYS) + r")[\"']?"
    r"(?:\s*\([^)\n]{0,80}\)|\s*\[[^\]\n]{0,80}\])?"
    r"(?:\s+(?:for|on|of|about)\s+[^:\n]{1,40}?(?=\s*:))?"
    r"\s*(?P<sep>:|=>|->|=|[-–—](?=\s)|\bis\b|\bwas\b|\bist\b|\best\b|\bes\b|是|为|為|は)?\s*")
_KEYED = re.compile(_KEYED_SOURCE, re.IGNORECASE)
# The keys are lowercase: on lowercased text the pattern runs without IGNORECASE, much faster,
# and a look-ahead on the keys' first letters skips most positions at once.
_KEYED_FOLDED = re.compile(
    "(?=[" + re.escape("".join(sorted({k[0] for k in lex.MARKER_KEYS}))) + "])" + _KEYED_SOURCE)
_BOOLEAN_KEY = re.compile(
    r"(?<![^\W_])[\"']?(?P<key>" + _alternation(lex.PASS_KEYS + lex.FAIL_KEYS) + r")[\"']?"
    r"\s*[:=]\s*[\"']?(?P<value>true|false|yes|no|y|n|1|0|是|否)[\"']?\s*(?=[,;}\])。]|$)",
    re.IGNORECASE)  # "pass: false" is a key and its value; "PASS: no issues found" is not
_BRACKETS = re.compile(r"\[\[\s*(?P<a>[^\[\]\n]{1,40}?)\s*\]\]|\\boxed\{(?P<b>[^{}\n]{1,40})\}"
                       r"|【(?P<c>[^】\n]{1,20})】")
_TAGS = (r"(?:final_)?(?P<name>verdict|answer|result|decision|grade|score|label|rating|judgement|"
         r"judgment|evaluation|winner)")
_OPEN_TAG = re.compile(r"<\s*" + _TAGS + r"\s*>", re.IGNORECASE)
_CLOSE_TAG = re.compile(r"<\s*/\s*" + _TAGS + r"\s*>", re.IGNORECASE)
_HTML = re.compile(r"</?(?:b|strong|em|i|u|p|span|div|code|mark|br|h[1-6])\b[^>\n]{0,80}>",
                   re.IGNORECASE)
_STRUCK = re.compile(r"~~[^~\n]{1,200}~~")  # struck-out text is retracted
_LIST_ITEM = re.compile(r"^\s*\d+[.)]\s")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?。！？])\s+")
_NUMERIC_SKIP = {"answer", "total", "status"}  # "Answer: 42" is not a score


def scan(text: str, reader: ValueReader, *, keyed_only: bool, binary: bool,
         numeric: bool) -> Scan:
    """The markers of `text` (plain text, see `plain`).

    Args:
        text: the answer, reasoning blocks and JSON objects set aside, markdown removed.
        reader: the judge scale's value reader.
        keyed_only: read only keyed markers (an answer that is broken JSON).
        binary: whether boolean keys (`pass: false`) apply.
        numeric: whether the scale is numeric (some keys, such as `Answer:`, do not apply).
    """
    markers: list[Marker] = []
    lines = text.split("\n")
    starts = _line_starts(lines)
    headers = re.compile(r"(?<![^\W_])(?:" + reader.option_word() + ")(?:" + lex.OPTION_JOIN
                         + "(?:" + reader.option_word() + r"))+\s*(?P<sep>[:?=])\s*",
                         re.IGNORECASE)
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for index, line in enumerate(lines):
        markers += _keyed(lines, starts, index, reader, numeric)
        markers += _headers(headers, lines, starts, index, reader)
        if binary:
            markers += _booleans(line, starts[index], reader)
        if not keyed_only:
            markers += _lone(line, starts[index], reader, _lone_source(lines, filled, index))
    if not keyed_only:
        markers += _brackets(text, reader)
    lead = None if keyed_only else _lead(lines, starts, reader)
    # In order of where each value ends; of two ending together, the wider one last.
    return Scan(tuple(sorted(markers, key=lambda m: (m.end, -m.start))), lead)


def plain(text: str) -> str:
    """`text` without markdown (emphasis, code ticks, headings, quotes, bullets); verdict tags
    (`<verdict>FAIL</verdict>`, `<score>7</score>`) become keys (`final verdict: FAIL`)."""
    text = _OPEN_TAG.sub(lambda m: "\n" + _tag_key(m.group("name")) + ": ", text)
    text = _CLOSE_TAG.sub("\n", text)
    text = _STRUCK.sub("", _HTML.sub("", text))
    out = []
    for line in text.split("\n"):
        line = re.sub(r"^\s*(?:#{1,6}\s*|>\s*)+", "", line)
        line = re.sub(r"^\s*[-*•+]\s+(?=\S)", "", line)
        out.append(re.sub(r"\*+|`+|__+", "", line))
    return "\n".join(out)


def _tag_key(name: str) -> str:
    final = "final " + name.lower()
    return final if final in lex.MARKER_KEYS else name.lower()


def _line_starts(lines: list[str]) -> list[int]:
    starts, position = [], 0
    for line in lines:
        starts.append(position)
        position += len(line) + 1
    return starts


def _keyed(lines: list[str], starts: list[int], index: int, reader: ValueReader,
           numeric: bool) -> list[Marker]:
    line, found_markers = lines[index], []
    for match in folded_finditer(_KEYED_FOLDED, _KEYED, line):
        key = " ".join(match.group("key").lower().split())
        if (numeric and key in _NUMERIC_SKIP) or not _key_stands_alone(
                line, match.start("key"), match.end("key")):
            continue
        if match.group("sep") and match.group("sep").isalpha() and key in lex.NO_IS_KEYS:
            continue  # "the answer is good in tone" describes; it does not decide
        value_at = match.end()
        context = "marker" if match.group("sep") else "lead"
        marker = _value_marker(lines, starts, index, value_at, reader, context)
        if marker is not None:
            hedged = marker.found.tentative or tentative_before(line, match.start())
            found = Found(marker.found.value, marker.found.end, marker.found.problem, hedged)
            found_markers.append(Marker(found, starts[index] + match.start(), marker.end, "key"))
    return found_markers


def _key_stands_alone(line: str, start: int, end: int) -> bool:
    """Whether the key at `start:end` is a whole word that begins its clause (or follows "so",
    "my", "the final", …). Keys in scripts without spaces (结论) need no word boundary."""
    if ord(line[start]) >= 0x2E80:
        return True
    if (end < len(line) and line[end].isalnum()) or (start > 0 and line[start - 1].isalnum()):
        return False
    before = line[:start].rstrip(" \t\"'(")
    if not before or before[-1] in ".!?;:,([{–—-。！？；：，":
        return True
    return before.split()[-1].lower() in lex.KEY_PREFIXES


def _value_marker(lines: list[str], starts: list[int], index: int, at: int, reader: ValueReader,
                  context: str) -> Marker | None:
    """The value after a key: on the same line, or (after a bare heading) on the next one."""
    rest = lines[index][at:]
    if rest.strip(" \t*_`\"'"):
        found = reader.read(rest, "marker" if context == "marker" else "lead")
        return None if found is None else Marker(found, 0, starts[index] + at + found.end, "key")
    for following in range(index + 1, min(index + 3, len(lines))):
        if lines[following].strip():
            found = reader.read(lines[following], "marker")
            if found is None:
                return None
            return Marker(found, 0, starts[following] + found.end, "key")
    return None


def _headers(headers: re.Pattern[str], lines: list[str], starts: list[int], index: int,
             reader: ValueReader) -> list[Marker]:
    found_markers = []
    for match in headers.finditer(lines[index]):
        marker = _value_marker(lines, starts, index, match.end(), reader, "marker")
        if marker is not None:
            found_markers.append(Marker(marker.found, starts[index] + match.start(), marker.end,
                                        "header"))
    return found_markers


def _booleans(line: str, offset: int, reader: ValueReader) -> list[Marker]:
    found_markers = []
    for match in _BOOLEAN_KEY.finditer(line):
        key = match.group("key").lower().replace(" ", "_")
        passed = (match.group("value").lower() in lex.TRUE_WORDS) != (key in lex.FAIL_KEYS)
        found = reader.read_json(passed)
        if found is not None:
            found_markers.append(Marker(found, offset + match.start(), offset + match.end(),
                                        "key"))
    return found_markers


def _brackets(text: str, reader: ValueReader) -> list[Marker]:
    found_markers = _bracket_markers(text, reader)
    # A sentence offering several bracketed values ("[[A]] if A is better, [[B]] if …") echoes
    # the answer format: none of them is the verdict.
    by_sentence: dict[int, set[object]] = {}
    for marker in found_markers:
        by_sentence.setdefault(_sentence_of(text, marker.start), set()).add(marker.found.value)
    return [m if len(by_sentence[_sentence_of(text, m.start)]) < 2 else Marker(
        Found(m.found.value, m.found.end, m.found.problem, True), m.start, m.end, m.source)
        for m in found_markers]


def _sentence_of(text: str, position: int) -> int:
    ends = [m.end() for m in re.finditer(r"[.!?。！？](?=\s)|\n", text[:position])]
    return ends[-1] if ends else 0


def _bracket_markers(text: str, reader: ValueReader) -> list[Marker]:
    found_markers = []
    for match in _BRACKETS.finditer(text):
        group = next(g for g in ("a", "b", "c") if match.group(g) is not None)
        found = reader.read(match.group(group), "line")
        if found is not None:
            quoted = match.start() > 0 and match.end() < len(text) and \
                text[match.start() - 1] in "\"'“‘`" and text[match.end()] in "\"'”’`"
            hedged = quoted or tentative_before(text, match.start()) or tentative_after(
                text[match.end():match.end() + 80])  # '"[[A]]" if A is better' only names it
            found = Found(found.value, found.end, found.problem, found.tentative or hedged)
            found_markers.append(Marker(found, match.start(), match.end(), "bracket"))
    return found_markers


def _lone_source(lines: list[str], filled: list[int], index: int) -> str:
    """`line` for the first or last line with text, `inner` for the others and for a line
    right after a label ("Accuracy:\nPASS" is one criterion's result)."""
    if index not in filled:
        return "inner"
    before = [i for i in filled if i < index]
    labelled = bool(before) and lines[before[-1]].rstrip(" *_").endswith((":", "："))
    return "line" if index in (filled[0], filled[-1]) and not labelled else "inner"


def _lone(line: str, offset: int, reader: ValueReader, source: str) -> list[Marker]:
    if _LIST_ITEM.match(line):
        return []  # "1. PASS" is one item of a list, not the verdict
    found_markers = []
    position = 0
    for segment in _SENTENCE_BREAK.split(line):
        at = line.index(segment, position)
        position = at + len(segment)
        if segment.strip() and not segment.rstrip(" *_`\"')").endswith(("?", "？")):
            found = reader.read(segment, "line")
            if found is not None:
                found_markers.append(Marker(found, offset + at, offset + position, source))
    return found_markers


def _lead(lines: list[str], starts: list[int], reader: ValueReader) -> Marker | None:
    for index, line in enumerate(lines):
        if line.strip():
            found = reader.read(line, "lead")
            if found is None or found.tentative:
                return None
            return Marker(found, starts[index], starts[index] + found.end, "lead")
    return None
