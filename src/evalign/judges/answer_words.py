"""Reading pass/fail (and thumbs) values: verdict words, negations, hedges, conclusions.

`BinaryReader` knows every verdict word of `evalign.judges.answer_lexicon`. Strong words
(`FAIL`, `nicht bestanden`, `不通过`) count wherever a value is expected; weak words (`yes`, `ok`,
`1`) only as the whole answer or when the prompt asked for them. In running text (`prose`) only
a capitalised strong word counts (`… the window is wrong, so FAIL`) — and not when it is
negated ("does NOT PASS" reads FAIL; "does not FAIL" reads nothing), hedged ("a lenient grader
might PASS it", "PASS would need …"), part of an option list (`PASS/FAIL`), a key (`"pass":`) or
a category name ("the PASS criteria"). A sentence may also state the conclusion in plain
words ("Overall the response does not meet the requirement.", "…, so this passes.").
"""

from __future__ import annotations

import re

from evalign.judges import answer_lexicon as lex
from evalign.judges.answer_types import (
    Context,
    Found,
    Prose,
    folded_finditer,
    only_decoration,
    separated,
    strip_lead,
    tentative_after,
    tentative_before,
)
from evalign.scores import ScoreConfig, Value

_BOOL_VALUE = re.compile(r"^\s*[\"']?\s*[:=]\s*[\"']?(?:true|false|yes|no)[\"']?\s*(?:[,;}\])]|$)",
                         re.IGNORECASE | re.MULTILINE)
_NEGATION = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in lex.NEGATORS)
                       + r")(?!\w)|n't\b", re.IGNORECASE)
_CONNECTIVE = (r"(?:so|therefore|thus|hence|overall|in conclusion|in summary|in short|"
               r"consequently|as a result|all in all|accordingly)")
_SUBJECT = (r"(?:(?:the|this)\s+(?:response|answer|output|reply|submission|summary|completion)|"
            r"it|this|that)")
_MEET = r"(?:pass|meet|satisfy|fulfil|fulfill)"
_PASS_VERB = r"(?:passes|meets|satisfies|fulfils|fulfills|is\s+(?:acceptable|correct))"
_FAIL_VERB = (rf"(?:fails(?:\s+to\s+{_MEET})?|(?:does\s+not|doesn't)\s+{_MEET}|"
              r"is\s+(?:not\s+acceptable|unacceptable|incorrect|not\s+correct))")
_OBJECT = (r"(?:\s+(?:the|all(?:\s+the)?|this|these|its)\s+(?:requirements?|criteria|criterion|"
           r"checks?|rubric|tests?|bar|standards?|conditions?))?")
_CONCLUSION = re.compile(
    rf"(?:^|[,;:]\s*){_CONNECTIVE}\b[,:]?\s*(?:{_SUBJECT}\s+)?(?:clearly\s+|therefore\s+|"
    rf"thus\s+|still\s+)?(?:(?P<passes>{_PASS_VERB})|(?P<fails>{_FAIL_VERB})){_OBJECT}"
    r"\s*[.!]?\s*$", re.IGNORECASE)
_CLAUSE = re.compile(r"^[^.!?;。！？；，,\n]*")
# A copula after the word still leaves it at the end: "不合格です", "通过了".
_COPULA = r"(?:\s*(?:です|でした|である|だ|了|的))?"
_SENTENCES = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")
_QUOTES = "\"'“”‘’«»"


def _phrase(word: str) -> str:
    return re.escape(word).replace(r"\ ", r"\s+")


_WORDS = lex.binary_words()
_ALTERNATION = "(?:" + "|".join(_phrase(w) for w in sorted(_WORDS, key=len, reverse=True)) + ")"
_START = re.compile(_ALTERNATION + r"(?![^\W_])", re.IGNORECASE)
_ANYWHERE_SOURCE = r"(?<![^\W_])" + _ALTERNATION + r"(?![^\W_])"
_ANYWHERE = re.compile(_ANYWHERE_SOURCE, re.IGNORECASE)
_ANYWHERE_FOLDED = re.compile(_ANYWHERE_SOURCE)
_OPTION_AFTER = re.compile("^" + lex.OPTION_JOIN + _ALTERNATION + r"(?![^\W_])", re.IGNORECASE)
_OPTION_BEFORE = re.compile(r"(?<![^\W_])" + _ALTERNATION + lex.OPTION_JOIN + "$", re.IGNORECASE)
_CLAUSE_END = re.compile("(?P<word>" + _ALTERNATION + ")" + _COPULA + r"[\s.!。！]*$",
                         re.IGNORECASE)


def _key(surface: str) -> str:
    return " ".join(surface.lower().split())


class BinaryReader:
    """Values of a `pass_fail` or `thumbs` scale.

    Args:
        scale: the judge's scale (its `parse_value` makes `"pass"` into `"up"` for thumbs).
        vocabulary: weak words the prompt asked for (lowercase), e.g. {"yes", "no"}.
    """

    def __init__(self, scale: ScoreConfig, vocabulary: frozenset[str]):
        self._scale = scale
        self._words = _WORDS
        self._asked = vocabulary

    def option_word(self) -> str:
        """A regex for one verdict word (for option lists such as `Pass/Fail:`)."""
        return _ALTERNATION

    def read(self, fragment: str, context: Context) -> Found | None:
        """The verdict at the start of `fragment` in `context`, or None."""
        text, offset = strip_lead(fragment)
        match = _START.match(text)
        if match is None:
            return self._ending(text, offset) if context == "marker" else None
        word = _key(match.group(0))
        verdict, strong = self._words[word]
        if not strong and context != "whole" and word not in self._asked:
            return self._ending(text, offset) if context == "marker" else None
        rest = text[match.end():]
        if _OPTION_AFTER.match(rest) or _BOOL_VALUE.match(rest):
            return None  # "PASS/FAIL", "PASS or FAIL", "pass: false" are not verdicts
        if context in ("whole", "line") and not only_decoration(rest):
            return None
        if context == "lead" and not separated(rest, allow_stop=not word[-1].isdigit()):
            return None
        if context == "marker" and verdict is not None and _contradicted(rest, verdict):
            return None  # "Conclusion: PASS the first two checks, FAIL the third"
        value = None if verdict is None else self._value(verdict)
        return Found(value, offset + match.end(), tentative=tentative_after(rest))

    def _ending(self, text: str, offset: int) -> Found | None:
        """A marker value whose first clause *ends* with a strong verdict word: "Urteil: Die
        Antwort hat nicht bestanden", "结论：该回答不通过。"."""
        clause = _CLAUSE.match(text)
        assert clause is not None  # the pattern matches the empty string
        match = _CLAUSE_END.search(clause.group(0))
        if match is None:
            return None
        word, start = _key(match.group("word")), match.start()
        if start and text[start - 1].isalnum() and ord(text[start]) < 0x2E80:
            return None  # "…bypass" is not "pass"
        verdict, strong = self._words[word]
        if verdict is None or not (strong or word in self._asked):
            return None
        hedged = tentative_before(clause.group(0), start)
        return Found(self._value(verdict), offset + clause.end(), tentative=hedged)

    def read_json(self, value: object) -> Found | None:
        """A JSON scalar under a verdict key: a boolean, 1/0, or a verdict string."""
        if isinstance(value, bool):
            return Found(self._value(lex.PASS if value else lex.FAIL))
        if isinstance(value, int | float):
            if value in (0, 1):
                return Found(self._value(lex.PASS if value == 1 else lex.FAIL))
            return Found(None, problem=f"{value:g} is neither 1 (pass) nor 0 (fail)")
        if isinstance(value, str):
            return self.read(value, "whole") or self.read(value, "marker")
        return None

    def prose(self, text: str) -> Prose:
        """Plainly stated verdicts in running text, and every verdict the text mentions."""
        signals: list[Value] = []
        mentions: set[Value] = set()
        for match in folded_finditer(_ANYWHERE_FOLDED, _ANYWHERE, text):
            word = _key(text[match.start():match.end()])
            verdict, strong = self._words[word]
            if verdict is not None and (strong or word in self._asked):
                mentions.add(self._value(verdict))
            signal = self._signal(text, match)
            if signal is not None:
                signals.append(self._value(signal))
        for conclusion in _conclusions(text):
            signals.append(self._value(conclusion))
            mentions.add(self._value(conclusion))
        return Prose(tuple(signals), frozenset(mentions))

    def _signal(self, text: str, match: re.Match[str]) -> str | None:
        """pass/fail when this occurrence states a verdict plainly, else None."""
        surface = text[match.start():match.end()]
        word = _key(surface)
        verdict, strong = self._words[word]
        if verdict is None or len(surface) < 2 or surface.upper() == surface.lower():
            return None  # uncased scripts (通过 is also "by means of") never count in prose
        if not surface.split()[-1].isupper() or not (strong or word in self._asked):
            return None
        # A verdict word is judged by its neighbourhood, not by the whole answer.
        before = text[max(0, match.start() - 200):match.start()]
        after = text[match.end():match.end() + 200]
        if _OPTION_AFTER.match(after) or _OPTION_BEFORE.search(before[-60:]) \
                or _BOOL_VALUE.match(after) or _defines(after) or _quoted(before, after):
            return None
        if tentative_after(after) or tentative_before(text, match.start()) \
                or re.search(r"(?<!\w)to\s*$", before, re.IGNORECASE):
            return None
        if _negated(before) and not word.startswith(("not", "no ", "non", "does", "did", "can")):
            return lex.FAIL if verdict == lex.PASS else None
        return verdict

    def _value(self, verdict: str) -> Value:
        return self._scale.parse_value(verdict)


def _contradicted(rest: str, verdict: str) -> bool:
    """Whether the rest of a marker's line names the other verdict with a strong word."""
    line = rest.split("\n", 1)[0]
    for match in folded_finditer(_ANYWHERE_FOLDED, _ANYWHERE, line):
        other, strong = _WORDS[_key(line[match.start():match.end()])]
        if strong and other is not None and other != verdict:
            return True
    return False


def _conclusions(text: str) -> list[str]:
    """pass/fail of each sentence that states a conclusion in plain words ("Overall, the
    response does not meet the requirement.", "…, so this passes.")."""
    found = (_CONCLUSION.search(s.strip()) for s in _SENTENCES.findall(text))
    return [lex.PASS if m.group("passes") else lex.FAIL for m in found if m is not None]


def _negated(before: str) -> bool:
    clause = re.split(r"[.!?;:,\n]", before)[-1]
    recent = " ".join(clause.split()[-3:])
    return _NEGATION.search(recent) is not None


def _defines(after: str) -> bool:
    following = after.strip(" *_`\"'").split(None, 1)
    return bool(following) and following[0].lower().strip(".,:;") in lex.DEFINITIONAL


def _quoted(before: str, after: str) -> bool:
    return bool(before) and bool(after) and before[-1] in _QUOTES and after[0] in _QUOTES
