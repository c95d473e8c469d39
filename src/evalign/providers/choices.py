"""Turning token log-probabilities into `choice_probs` (the probability of each verdict choice).

A choice such as "PASS" is recognised by its *first token*: the verdict position is the first
generated token that starts one of the choices. The probability mass of every candidate token
at that position is summed per choice and renormalized over the choices, so the result sums
to 1 whenever any choice had mass; otherwise there is no estimate (None, never a made-up 0.5).

A judge that writes its reasoning first answers in JSON (`{"reasoning": ..., "verdict": "PASS"}`);
there the verdict position is the first token of the verdict key's value, which `ValueSpot`
finds in the stream of generated token texts. A word in the reasoning is never taken for it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence


class ValueSpot:
    """Finds, token by token, the token that starts the value of one key in a JSON answer.

    Args:
        key: the JSON key (e.g. "verdict").
    """

    def __init__(self, key: str):
        # An unescaped `"key":`; inside a JSON string a quote is escaped, so a mention of the
        # key in the reasoning text does not match.
        self._pattern = re.compile(r'(?<!\\)"' + re.escape(key) + r'"\s*:')
        self._text = ""
        self.found = False

    def feed(self, piece: str) -> bool:
        """Add the next generated token's text; True exactly once, for the value's first token.

        A token holding only the opening quote or whitespace is not the value's first token;
        one that holds the quote and the start of the value (`"PASS`) is.
        """
        if self.found:
            return False
        self._text += piece
        match = self._pattern.search(self._text)
        if match is None:
            return False
        if not self._text[match.end():].strip().lstrip('"'):
            return False
        self.found = True
        return True


def value_position(tokens: Iterable[str], key: str) -> int | None:
    """The index of the token that starts the value of `key` in a JSON answer, or None."""
    spot = ValueSpot(key)
    for index, token in enumerate(tokens):
        if spot.feed(token):
            return index
    return None


def match_choice(token: str, choices: Sequence[str]) -> str | None:
    """The choice a generated token begins, or None.

    A token matches when, stripped of surrounding whitespace and a leading JSON quote, it
    equals a choice or is a non-empty prefix of exactly one choice; case is ignored only when
    nothing matches exactly.
    """
    text = token.strip().lstrip('"').strip()
    if not text:
        return None
    for fold in (False, True):
        norm = text.lower() if fold else text
        exact = [c for c in choices if (c.strip().lower() if fold else c.strip()) == norm]
        if len(exact) == 1:
            return exact[0]
        prefixed = [
            c for c in choices if (c.strip().lower() if fold else c.strip()).startswith(norm)
        ]
        if len(prefixed) == 1:
            return prefixed[0]
    return None


def probs_from_top_logprobs(
    top: Mapping[str, float], choices: Sequence[str]
) -> dict[str, float] | None:
    """Renormalized choice probabilities from one position's top log-probabilities.

    Args:
        top: candidate token text -> log-probability at the verdict position.
        choices: the choices asked for.

    Returns:
        choice -> probability (sums to 1), or None when no candidate token starts a choice.
    """
    mass = dict.fromkeys(choices, 0.0)
    for token, logprob in top.items():
        choice = match_choice(token, choices)
        if choice is not None:
            mass[choice] += math.exp(logprob)
    return normalize(mass)


def normalize(mass: Mapping[str, float]) -> dict[str, float] | None:
    """Scale non-negative masses to sum to 1; None when the total is zero or not finite."""
    total = sum(mass.values())
    if not total > 0 or not math.isfinite(total):
        return None
    return {choice: value / total for choice, value in mass.items()}
