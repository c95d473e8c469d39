"""Reading pairwise preferences and categorical labels.

Pairwise (values 1, 2, 0 = tie): `[[A]]`/`[[B]]`/`[[C]]` (MT-Bench, `C` is a tie), `A`, `B`,
`1`, `2`, `Output (a)`, `Response B`, `Assistant A`, `the second response`, `tie`. In running
text only a plain comparison counts ("Output (a) is better …", "I prefer Response B"); an answer
that names both outputs without one is undecided.

Categorical: the scale's own labels, matched whole-word and longest first ("partially correct"
before "correct"; `_`, `-` and spaces alike). A label is never read from running text — only
from a marker, a line of its own, the start of the answer, or JSON.
"""

from __future__ import annotations

import re

from evalign.judges import answer_lexicon as lex
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
from evalign.scores import ScoreConfig, Value

_NOUN = (r"(?:output|response|answer|assistant|model|candidate|option|completion|summary|"
         r"system|chatbot|reply|text|generation)")
_REF = (rf"(?:the\s+)?{_NOUN}\s*[_#-]?\s*(?:\(\s*(?P<p>[ab12])\s*\)|\[\s*(?P<q>[ab12])\s*\]|"
        r"(?P<r>[ab12])(?![^\W_]))")
_ORDINAL = (r"(?:the\s+)?(?P<o>first|second)(?:\s+(?:one|output|response|answer|assistant|"
            r"option))?(?![^\W_])")
_TIE = (r"(?P<t>tie|draw|equal|equally\s+good|equally\s+bad|both\s+equally\s+good|both|"
        r"平局|平手|unentschieden|égalité|empate|pareggio|ничья)(?![^\W_])")
_BARE = r"(?-i:(?P<b>[ABC120]))(?![^\W_])"
_CHOICE = re.compile(rf"(?:{_REF}|{_ORDINAL}|{_TIE}|{_BARE})", re.IGNORECASE)
_WORD = rf"(?:{_NOUN}\s*[_#-]?\s*[(\[]?\s*[ab12]|[ABC12]|tie|first|second)"
_OPTION_AFTER = re.compile(r"^[\])}*_`\"'\s]*(?:,\s*|" + lex.OPTION_JOIN + r")(?:or\s+)?"
                           r"[\[({*_`\"'\s]*" + _WORD + r"(?![^\W_])", re.IGNORECASE)
_BETTER = (r"(?:is|was|seems|appears)?\s*(?:clearly\s+|slightly\s+|much\s+|far\s+|overall\s+|"
           r"somewhat\s+|definitely\s+|significantly\s+)?(?:the\s+)?(?:better|superior|"
           r"preferable|preferred|stronger|winner|wins|more\s+(?:accurate|helpful|complete|"
           r"relevant|correct|concise|informative|faithful))")
_LEAD_BETTER = re.compile(r"^\s+" + _BETTER, re.IGNORECASE)
_PROSE_REF = (rf"{_NOUN}\s*[_#-]?\s*(?:\(\s*(?P<p>[ab12])\s*\)|\[\s*(?P<q>[ab12])\s*\]|"
              r"(?-i:(?P<r>[AB12]))(?![^\W_]))")
_PROSE_BETTER = re.compile(rf"(?<![^\W_]){_PROSE_REF}\s+{_BETTER}(?![^\W_])", re.IGNORECASE)
_PROSE_PREFER = re.compile(rf"\b(?:prefer|choose|pick|favou?r|select)\s+(?:the\s+)?{_PROSE_REF}",
                           re.IGNORECASE)
_PROSE_TIE = re.compile(r"\b(?:(?:it|this|that)(?:'s|\s+is|\s+was)\s+a\s+tie\b|"
                        r"both\s+(?:responses|outputs|answers)\s+are\s+equally|"
                        r"(?:are|is)\s+equally\s+(?:good|bad|helpful|correct|strong|poor|"
                        r"accurate))", re.IGNORECASE)
_PROSE_MENTION = re.compile(rf"(?<![^\W_]){_PROSE_REF}", re.IGNORECASE)
_IDS = {"a": 1, "1": 1, "first": 1, "b": 2, "2": 2, "second": 2, "c": 0, "0": 0}


class PairwiseReader:
    """Values of a `pairwise` scale: 1 (first output better), 2 (second), 0 (tie)."""

    def __init__(self, scale: ScoreConfig):
        self._scale = scale

    def option_word(self) -> str:
        """A regex for one choice word (`A`, `Output (b)`, `tie`)."""
        return _WORD

    def read(self, fragment: str, context: Context) -> Found | None:
        """The preference at the start of `fragment` in `context`, or None."""
        text, offset = strip_lead(fragment)
        match = _CHOICE.match(text)
        if match is None:
            return None
        choice = _choice(match, context)
        rest = text[match.end():]
        if choice is None or _OPTION_AFTER.match(rest):
            return None
        if context in ("whole", "line") and not only_decoration(rest):
            return None
        if context == "lead" and not (_LEAD_BETTER.match(rest) or (
                separated(rest, allow_stop=False) and not rest.lstrip(" *_`").startswith(":"))):
            return None  # "Response A: correct but verbose" describes A; it does not choose
        return Found(self._scale.parse_value(choice), offset + match.end(),
                     tentative=tentative_after(rest))

    def read_json(self, value: object) -> Found | None:
        """A JSON scalar under a verdict key: 1, 2, 0, "A", "tie", "Output (b)"."""
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            if value in (0, 1, 2):
                return Found(self._scale.parse_value(str(int(value))))
            return Found(None, problem=f"{value:g} is not 1, 2 or 0 (tie)")
        if isinstance(value, str):
            return self.read(value, "whole") or self.read(value, "marker")
        return None

    def prose(self, text: str) -> Prose:
        """Plain comparisons in running text ("Output (a) is better"), and every output named."""
        signals: list[tuple[int, Value]] = []
        for pattern in (_PROSE_BETTER, _PROSE_PREFER):
            for match in pattern.finditer(text):
                # "I would choose B": the hedge check sees the verb, so it reads to the match end
                at = match.end() if pattern is _PROSE_PREFER else match.start()
                if not tentative_before(text, at):
                    signals.append((match.start(), _IDS[_ref_id(match)]))
        for match in _PROSE_TIE.finditer(text):
            if not tentative_before(text, match.start()):
                signals.append((match.start(), 0))
        mentions: set[Value] = {_IDS[_ref_id(m)] for m in _PROSE_MENTION.finditer(text)}
        mentions |= {value for _, value in signals}
        return Prose(tuple(value for _, value in sorted(signals)), frozenset(mentions))


def _ref_id(match: re.Match[str]) -> str:
    return next(g for g in (match.group("p"), match.group("q"), match.group("r")) if g).lower()


def _choice(match: re.Match[str], context: Context) -> str | None:
    """The choice as the scale spells it ("1", "2", "tie"), or None where `context` forbids it."""
    groups = match.groupdict()
    if groups["p"] or groups["q"]:
        return str(_IDS[(groups["p"] or groups["q"]).lower()])
    if groups["r"]:
        if groups["r"].islower() and context not in ("whole", "line"):
            return None  # "answer a question": a lowercase letter needs brackets
        return str(_IDS[groups["r"].lower()])
    if groups["o"]:
        return None if context == "lead" else str(_IDS[groups["o"].lower()])
    if groups["t"]:
        return None if context == "lead" and groups["t"].lower() == "both" else "tie"
    bare = groups["b"]
    if (bare in ("C", "0") and context == "lead") or (bare == "0" and context == "marker"):
        return None
    return str(_IDS[bare.lower()])


class CategoricalReader:
    """Values of a `categorical` scale: one of its labels."""

    def __init__(self, scale: ScoreConfig):
        self._scale = scale
        labels = sorted(scale.labels, key=len, reverse=True)
        self._patterns = [(label, _label_regex(label)) for label in labels]
        self._word = "(?:" + "|".join(_label_regex(label) for label in labels) + ")"
        self._start = re.compile(r"(?:" + "|".join(
            f"(?P<l{i}>{rx})" for i, (_, rx) in enumerate(self._patterns)) + r")(?![^\W_])",
            re.IGNORECASE)
        self._option_after = re.compile("^" + lex.OPTION_JOIN + self._word + r"(?![^\W_])",
                                        re.IGNORECASE)
        self._anywhere = re.compile(r"(?<![^\W_])" + self._start.pattern, re.IGNORECASE)

    def option_word(self) -> str:
        """A regex for one label."""
        return self._word

    def read(self, fragment: str, context: Context) -> Found | None:
        """The label at the start of `fragment` in `context`, or None."""
        text, offset = strip_lead(fragment)
        match = self._start.match(text)
        if match is None:
            return None
        rest = text[match.end():]
        if self._option_after.match(rest):
            return None
        if context in ("whole", "line") and not only_decoration(rest):
            return None
        if context == "lead" and not separated(rest, allow_stop=not match.group(0).isdigit()):
            return None
        return Found(self._label(match), offset + match.end(), tentative=tentative_after(rest))

    def read_json(self, value: object) -> Found | None:
        """A JSON scalar under a verdict key: a label (numbers only where labels are numbers)."""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return None
        text = f"{value:g}" if isinstance(value, float) else str(value)
        return self.read(text, "whole") or self.read(text, "marker")

    def prose(self, text: str) -> Prose:
        """Labels are never read from running text; the ones it names make it ambiguous."""
        return Prose((), frozenset(self._label(m) for m in self._anywhere.finditer(text)))

    def _label(self, match: re.Match[str]) -> str:
        index = next(i for i in range(len(self._patterns)) if match.group(f"l{i}") is not None)
        return self._patterns[index][0]


def _label_regex(label: str) -> str:
    words = [re.escape(w) for w in re.split(r"[_\-\s]+", label.strip()) if w]
    return r"[_\-\s]+".join(words) or re.escape(label)
