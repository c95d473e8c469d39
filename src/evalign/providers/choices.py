"""Turning token log-probabilities into `choice_probs` (the probability of each verdict choice).

A choice such as "PASS" is recognised by its *first token*: the verdict position is the first
generated token that starts one of the choices. The probability mass of every candidate token
at that position is summed per choice and renormalized over the choices, so the result sums
to 1 whenever any choice had mass; otherwise there is no estimate (None, never a made-up 0.5).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def match_choice(token: str, choices: Sequence[str]) -> str | None:
    """The choice a generated token begins, or None.

    A token matches when, stripped of surrounding whitespace, it equals a choice or is a
    non-empty prefix of exactly one choice; case is ignored only when nothing matches exactly.
    """
    text = token.strip()
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
