"""Which answer words a prompt asked for: "Answer yes or no", "(true/false)", "reply 1 or 0".

A weak verdict word (`yes`, `no`, `true`, `1`, `correct`, …) is conversation unless the judge
was told to answer with it: "Yes, the reply is polite, but …" opens an answer, it does not give
one. `asked_vocabulary` finds the pairs a prompt offers — both words of a known pair joined by
`or`, `/`, `|` or a comma ("yes or no", `(Y/N)`), both quoted anywhere (`answer "yes" when …
and "no" when …`), or each with its condition ("return 1 if …, 0 otherwise") — and the reader
then accepts those words as verdicts (at the start of the answer, on a line of their own, after a
marker). A pair is only recognised whole: a prompt that merely asks "Is the response correct?"
asks for no vocabulary.

The positive word of a pair reads as pass (`yes`, `true`, `1`, `correct`): a prompt that asks
"Does the response contain an error? Answer yes or no" on a pass/fail judge inverts the meaning,
and no reader can know that — phrase such a prompt as a pass condition, or ask for PASS/FAIL.
"""

from __future__ import annotations

import functools
import re

from evalign.judges import answer_lexicon as lex
from evalign.judges.answer_blocks import clean

_QUOTE = r"[\"'`*“”‘’«»]*"


def _pair_patterns(positive: str, negative: str) -> tuple[re.Pattern[str], ...]:
    words = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in (positive, negative))
    joined = re.compile(
        rf"(?<![\w-]){_QUOTE}(?P<a>{words}){_QUOTE}\s*(?:/|\||\bor\b|,|\boder\b|\bou\b|\bo\b|"
        rf"或者|或)\s*{_QUOTE}(?P<b>{words}){_QUOTE}(?![\w-])", re.IGNORECASE)
    quoted = re.compile(rf"[\"'`“‘](?P<a>{words})[\"'`”’][\s\S]*?[\"'`“‘](?P<b>{words})[\"'`”’]",
                        re.IGNORECASE)
    conditional = re.compile(
        rf"(?<![\w-])(?P<a>{words})\s+(?:if|when)\b[^.\n]{{0,160}}?[,;]\s*(?:and\s+|or\s+|"
        rf"else\s+|otherwise\s+)?(?P<b>{words})(?:\s+(?:if|when|otherwise)\b|\s*[.;]|$)",
        re.IGNORECASE)
    return joined, quoted, conditional


_PAIRS = tuple((positive, negative, _pair_patterns(positive, negative))
               for positive, negative in lex.POLAR_PAIRS)


@functools.lru_cache(maxsize=128)  # a judge's prompt is read once per item: memoize the pure scan
def asked_vocabulary(prompt: str) -> frozenset[str]:
    """The weak verdict words `prompt` asks the judge to answer with (lowercase).

    Args:
        prompt: the judge's prompt text (its template, or a rendered prompt).

    Returns:
        Both words of every pair offered, e.g. {"yes", "no"} for "Answer yes or no.";
        empty when the prompt offers none.
    """
    text = clean(prompt)
    asked: set[str] = set()
    for positive, negative, patterns in _PAIRS:
        for pattern in patterns:
            for match in pattern.finditer(text):
                words = {" ".join(match.group(g).lower().split()) for g in ("a", "b")}
                if words == {positive, negative}:
                    asked |= words
    return frozenset(asked)
