"""What every scale's value reader shares: what it found, where, and how it is asked.

A value reader reads a *fragment* (the text after a marker, one line, the whole answer) in a
`Context` that says how much the fragment may hold besides the value:

    whole    the entire answer: the value and nothing else (weak words such as `yes` count)
    line     one line or sentence: the value and nothing else
    marker   the text after `Verdict:` and the like: the value, then anything
    lead     the start of the answer: the value, then a separator (`FAIL - the year is …`)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from evalign.judges import answer_lexicon as lex
from evalign.scores import Value

Context = Literal["whole", "line", "marker", "lead"]

# Decoration around a value: markdown, quotes, brackets, LaTeX boxes, stray separators.
_LEAD_DECOR = re.compile(r"^(?:[\s*_`\"'“”‘’«»„\[\](){}<>【】「」『』#~|:=$]|[-–—](?!\d)|"
                         r"\\boxed\{|\\text(?:bf)?\{)*")
_TAIL_DECOR = re.compile(r"^[\s*_`\"'“”‘’«»\[\](){}<>【】「」『』.!。！~$]*$")
_TENTATIVE_AFTER = re.compile(
    r"^[ \t,\"'”’)\]*_]*(?:"  # same line: "FAIL\nIf the fee were given …" is not hedged
    + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in lex.TENTATIVE_AFTER)
    + r")(?!\w)", re.IGNORECASE)
_TENTATIVE_BEFORE = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in lex.TENTATIVE_BEFORE)
    + r")(?!\w)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;。！？；\n]")
# "would" is a hedge ("it would be PASS with the fee") unless the judge is giving its own
# verdict politely ("I would rate this FAIL", "I'd give it a PASS").
_WOULD = re.compile(r"(?:\bwould|'d)(?!\s+(?:rate|give|grade|mark|call|say|label|judge|classify|"
                    r"score|assign|put|deem|rule|choose|pick|prefer|select|go|vote|award|opt)\b)",
                    re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """One value read from a fragment.

    Attributes:
        value: the canonical value on the judge's scale; None when the fragment holds a value
            that cannot be used: out of the scale (`problem` says why) or unclear (a negated
            FAIL).
        end: how many characters of the fragment the value spans (from its start).
        problem: why a number cannot be used (the message of an `out_of_scale` error).
        tentative: the value is hypothetical ("PASS would need the fee"), never a verdict.
    """

    value: Value | None
    end: int = 0
    problem: str = ""
    tentative: bool = False


@dataclass(frozen=True)
class Prose:
    """Verdicts stated in running text, outside every marker.

    Attributes:
        signals: values stated plainly (a capitalised `FAIL`, "so this passes."), in order.
        mentions: every value the text names at all, hypothetical ones included; two or more
            make an undecided answer `ambiguous` rather than `unreadable`.
    """

    signals: tuple[Value, ...] = ()
    mentions: frozenset[Value] = field(default_factory=frozenset)


class ValueReader(Protocol):
    """Reads values of one scale from fragments of an answer."""

    def read(self, fragment: str, context: Context) -> Found | None:
        """The value at the start of `fragment`, or None when there is none there."""
        ...

    def read_json(self, value: object) -> Found | None:
        """The value of a JSON scalar found under a verdict key, or None."""
        ...

    def option_word(self) -> str:
        """A regex for one word of this scale's vocabulary, to spot option lists (`A/B`)."""
        ...

    def prose(self, text: str) -> Prose:
        """Values stated in free text (the last resort, after every marker)."""
        ...


def folded_finditer(folded: re.Pattern[str], unfolded: re.Pattern[str],
                    text: str) -> Iterator[re.Match[str]]:
    """Case-insensitive matches in `text`, at `text`'s offsets, found fast.

    A big case-insensitive alternation is slow in Python's `re`; the same pattern written in
    lowercase (`folded`) runs on the lowercased text instead, unless lowercasing changes the
    text's length (`İ`), where `unfolded` (the IGNORECASE pattern) runs on `text` itself. Read the
    matched text from `text[m.start():m.end()]`, not from the match.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return folded.finditer(lowered)
    return unfolded.finditer(text)


def strip_lead(fragment: str) -> tuple[str, int]:
    """`fragment` without leading decoration, and how many characters were dropped."""
    match = _LEAD_DECOR.match(fragment)
    start = match.end() if match else 0
    return fragment[start:], start


def only_decoration(rest: str) -> bool:
    """Whether `rest` holds nothing but closing markdown, quotes, brackets or a full stop."""
    return _TAIL_DECOR.match(rest) is not None


def tentative_after(rest: str) -> bool:
    """Whether the words right after a value make it hypothetical ("would need", "if")."""
    return _TENTATIVE_AFTER.match(rest) is not None


def tentative_before(text: str, start: int, words: int = 6) -> bool:
    """Whether a hedge ("might", "if", "lenient") stands shortly before `start`, same sentence."""
    head = text[max(0, start - 400):start]  # a sentence is shorter than this
    ends = list(_SENTENCE_END.finditer(head))
    sentence = head[ends[-1].end():] if ends else head
    recent = " ".join(sentence.split()[-words:])
    return _TENTATIVE_BEFORE.search(recent) is not None or _WOULD.search(recent) is not None


def separated(rest: str, *, allow_stop: bool = True) -> bool:
    """Whether `rest` (what follows a value at the start of an answer) begins with a separator.

    A dash, colon, comma, bracket, line end or the end of the text separates; a full stop or
    closing parenthesis only when `allow_stop` (not after a list number such as `1.`).
    """
    if not rest.strip(" \t"):
        return True
    if rest.startswith("\n"):
        return True
    stripped = rest.lstrip(" \t*_`\"'”’")
    if not stripped or stripped[0] == "\n":
        return True
    if stripped[0] in ":,;!–—-(（[":
        return True
    return allow_stop and stripped[0] in ".)。!"
