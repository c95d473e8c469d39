"""Reading a judge's free-text answer as a verdict; what it cannot read surely is an error.

The precedence (docs/answers.md shows examples of each step):

1. **Clean.** Unicode compatibility forms, no zero-width or direction marks. An empty answer is
   an `empty` error.
2. **Reasoning blocks are set aside** (`<think>…</think>` and the like, see `answer_blocks`); one
   that is never closed makes the answer `unreadable`.
3. **JSON is read by key** (`answer_json`): `verdict`, `label`, `result`, …, booleans `pass`,
   `passed`, `is_pass`, …, a `score` through the scale. Key names are never verdicts. Text
   markers outside the JSON that contradict it make the answer `ambiguous`.
4. **The whole answer** is one value (`PASS`, `**pass.**`, `Yes`, `4/5`, `[[B]]`).
5. **Markers** (`answer_markers`): `Verdict:`, `Final verdict:`, `Grade:`, `Result:`,
   `Overall:`, `Conclusion:`, `[[X]]`, an echoed `Pass/Fail:` header, a first or last line (or
   sentence) that is only a verdict. The *last* marker decides; hedged ones ("PASS would need
   …") never do.
6. **The lead and plain statements**, together: an answer opening with a value and a separator
   (`ÉCHEC – …`, `4/5 clear`), a line in between that is only a verdict, a capitalised verdict
   word in running text, a sentence that states a conclusion ("Overall, …", "…, so it
   passes"). One value among them decides; two make the answer `ambiguous`.
7. Otherwise the answer is `unreadable` (or `ambiguous` when it names both verdicts).

Weak words (`yes`, `no`, `ok`, `good`, `1`, `0`) count only as the whole answer, or where the
prompt asked for them (`vocabulary`, see `asked_vocabulary`). Numbers follow `answer_numbers`:
`4/5` is rescaled, `150` on 0–100 and `0.9` on 0–100 are `out_of_scale` errors, never clamped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

from evalign.errors import ParseError
from evalign.judges.answer_blocks import Visible, clean, set_aside_reasoning
from evalign.judges.answer_choices import CategoricalReader, PairwiseReader
from evalign.judges.answer_json import JsonReading, find_objects, mask, read_objects
from evalign.judges.answer_markers import Marker, plain, scan
from evalign.judges.answer_numbers import NumberReader
from evalign.judges.answer_types import Found, ValueReader
from evalign.judges.answer_vocabulary import asked_vocabulary
from evalign.judges.answer_words import BinaryReader
from evalign.scores import ScoreConfig, Value

__all__ = ["Parsed", "asked_vocabulary", "parse_answer", "reader_for"]

_LOOKS_LIKE_JSON = re.compile(r"^\s*(?:```\s*(?:json)?\s*)?\{", re.IGNORECASE)
_REASON_PREFIX = re.compile(r"^(?:reason(?:ing)?|explanation|rationale|justification|because|"
                            r"理由|原因|begründung|raison|razón)\s*[:\-]\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Parsed:
    """A readable answer.

    Attributes:
        value: the canonical value on the judge's scale.
        reasoning: the reason the judge gave (the answer without its verdict; the reasoning
            block when that is all there is).
        source: which rule decided: `whole`, `json`, `key`, `header`, `bracket`, `line`,
            `lead` or `prose`.
    """

    value: Value
    reasoning: str
    source: str = ""


def parse_answer(text: str, scale: ScoreConfig, *,
                 vocabulary: Iterable[str] | None = None) -> Parsed:
    """Read `text`, a judge's answer, as a verdict on `scale` (precedence: module docstring).

    Args:
        text: the answer exactly as the model wrote it.
        scale: the judge's output scale.
        vocabulary: weak words the prompt asked the judge to answer with, lowercase (from
            `asked_vocabulary(prompt)`); None or empty: only the scale's own verdict words.

    Raises:
        ParseError: with `kind` `empty`, `unreadable`, `ambiguous` or `out_of_scale`, and the
            raw text; never a guessed value.
    """
    if not text.strip():
        raise ParseError("the judge's answer is empty", raw=text, kind="empty")
    visible = set_aside_reasoning(clean(text), raw=text)
    if not visible.answer:
        raise ParseError("the answer holds a reasoning block and nothing after it", raw=text)
    if scale.kind == "text":
        return _text(visible, scale)
    reader = reader_for(scale, frozenset(w.lower() for w in vocabulary or ()))
    return _Reading(text, visible, scale, reader).parsed()


def reader_for(scale: ScoreConfig, vocabulary: frozenset[str] = frozenset()) -> ValueReader:
    """The value reader of `scale` (not for `text` scales)."""
    if scale.kind in ("pass_fail", "thumbs"):
        return BinaryReader(scale, vocabulary)
    if scale.kind in ("numeric", "stars"):
        return NumberReader(scale)
    if scale.kind == "pairwise":
        return PairwiseReader(scale)
    return CategoricalReader(scale)


class _Reading:
    """One answer on its way through the precedence."""

    def __init__(self, raw: str, visible: Visible, scale: ScoreConfig, reader: ValueReader):
        self.raw, self.visible, self.scale, self.reader = raw, visible, scale, reader
        self.binary = scale.kind in ("pass_fail", "thumbs")
        self.objects = find_objects(visible.answer)
        self.body = plain(mask(visible.answer, self.objects))
        if self.body.isspace():
            self.body = ""  # a JSON-only answer: nothing around it to scan
        self.broken_json = not self.objects and _LOOKS_LIKE_JSON.match(visible.answer) is not None
        self.scan = scan(self.body, reader, keyed_only=self.broken_json, binary=self.binary,
                         numeric=scale.kind in ("numeric", "stars"))
        self.decisive = [m for m in self.scan.markers
                         if not m.found.tentative and m.source != "inner"]
        self.inner = [m for m in self.scan.markers
                      if not m.found.tentative and m.source == "inner"]

    def parsed(self) -> Parsed:
        json_reading = read_objects(self.objects, self.reader, binary=self.binary)
        if json_reading is not None:
            return self._from_json(json_reading)
        whole = self.reader.read(self.body.strip(), "whole")
        if whole is not None and not whole.tentative:
            return self._result(whole, "", "whole")
        if self.decisive:
            last = self.decisive[-1]
            if any(m.start > last.start and m.found.value != last.found.value for m in self.inner):
                self._fail("a line after the deciding marker states another verdict on its own",
                           "ambiguous")
            return self._result(last.found, self._without(last), last.source)
        if self.broken_json:
            self._fail("the answer looks like JSON but does not parse, and no verdict key "
                       "could be read from it", "unreadable")
        return self._from_prose()

    def _from_json(self, reading: JsonReading) -> Parsed:
        keys = ", ".join(reading.keys)
        if reading.found is None:
            self._fail(f"the JSON keys disagree ({keys})", "ambiguous")
        text_values = {m.found.value for m in self.decisive if m.found.value is not None}
        if reading.found.value is not None and text_values - {reading.found.value}:
            self._fail(f"the JSON says {reading.found.value!r} but the text around it says "
                       f"{sorted(map(str, text_values))}", "ambiguous")
        reasoning = reading.reasoning or _clean_reason(self.body)
        return self._result(reading.found, reasoning, "json", where=f"JSON key(s) {keys}")

    def _from_prose(self) -> Parsed:
        lead = self.scan.lead
        prose = self.reader.prose(self.body)
        stated = [m.found.value for m in [*self.inner, *([lead] if lead else [])]]
        values = list(dict.fromkeys([*prose.signals, *(v for v in stated if v is not None)]))
        if len(values) > 1:
            self._fail(f"the answer states {_listed(values)} and no final marker decides",
                       "ambiguous")
        if values:
            reasoning = self._without(lead) if lead is not None else _clean_reason(self.body)
            return self._result(Found(values[0]), reasoning, "lead" if lead else "prose")
        if lead is not None and lead.found.problem:
            return self._result(lead.found, "", "lead")
        if len(prose.mentions) > 1:
            self._fail(f"the answer mentions {_listed(list(prose.mentions))} and nothing "
                       "decides between them", "ambiguous")
        self._fail(f"no {self.scale.spec()} verdict found", "unreadable")

    def _result(self, found: Found, reasoning: str, source: str, where: str = "") -> Parsed:
        if found.value is None:
            if found.problem:
                self._fail(found.problem, "out_of_scale")
            self._fail(f"{where or 'the deciding marker'} holds no {self.scale.spec()} value",
                       "unreadable")
        return Parsed(found.value, reasoning or self.visible.thinking, source)

    def _without(self, marker: Marker) -> str:
        return _clean_reason(self.body[:marker.start] + self.body[marker.end:])

    def _fail(self, message: str, kind: str) -> NoReturn:
        raise ParseError(f"{message} (answer: {_preview(self.visible.answer)!r})", raw=self.raw,
                         kind=kind)


def _text(visible: Visible, scale: ScoreConfig) -> Parsed:
    objects = find_objects(visible.answer)
    for obj in reversed(objects):
        for key in ("verdict", "answer", "value", "result", "label"):
            if isinstance(obj.data.get(key), str):
                return Parsed(scale.parse_value(obj.data[key]), "", "json")
    return Parsed(scale.parse_value(visible.answer), visible.thinking, "whole")


def _clean_reason(text: str) -> str:
    text = re.sub(r"\n\s*\n(?:\s*\n)+", "\n\n", text).strip()
    text = text.lstrip("-:.,;–—)] \t\n").strip()
    return _REASON_PREFIX.sub("", text).strip()


def _listed(values: list[Value]) -> str:
    return " and ".join(repr(v) for v in values)


def _preview(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
