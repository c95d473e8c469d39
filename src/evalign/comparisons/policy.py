"""Policies: which human side(s) of an item a verdict is compared with.

- `consensus` (the default on every surface): one comparison per item, the item's one human
  side. An adjudicated (*resolved*) label decides when there is one. Otherwise, on a numeric
  or star scale, the side is the mean of all annotators' values (80, 70 and 10 give 53.3:
  every rater counts, so these scales never tie); on a pass/fail, thumbs, pairwise or
  categorical scale it is the annotators' majority, taken on what agreement compares —
  pass/fail, or the choice 1 / 2 / tie on a pairwise scale — and a tie gives no human side
  (cause `annotators_tied`), never a guess. Several resolved labels combine by the same rule.
  This is the field's convention (agreement with the raters' majority, error against the
  raters' mean) and the very human side an alignment run's examples carry (`align.load`), so
  a held-out run's report repeats its alignment outcome's test figures.
- `per_label`: one comparison per annotator's own label. An adjudication is the decision
  about the others, not one more annotator, so it counts here only on an item that has no
  other label.

The side's value: on a numeric or star scale the mean (above); else the majority's common
value, or on a categorical scale its most common category (the lower on a tie).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from evalign.errors import ConfigError
from evalign.scores import ScoreConfig, Value

Policy = Literal["per_label", "consensus"]
POLICIES: tuple[Policy, ...] = get_args(Policy)
DEFAULT_POLICY: Policy = "consensus"
POLICY_WORDS = {"per_label": "one comparison per human label",
                "consensus": "one comparison per item: resolved label, else the majority "
                             "(the raters' mean on a numeric or star scale)"}


@dataclass(frozen=True)
class Rating:
    """One human label as read: its annotator, canonical value and reasoning."""

    annotator: str
    value: Value
    reasoning: str = ""
    resolved: bool = False


@dataclass(frozen=True)
class HumanSide:
    """The human side of one comparison.

    Attributes:
        annotator: the annotator; `consensus` when several labels make it.
        value: the canonical value compared.
        reasoning: the reasoning behind it (several joined by " | ").
        voters: how many labels make it.
    """

    annotator: str
    value: Value
    reasoning: str
    voters: int = 1


def parse_policy(name: str) -> Policy:
    """The policy named `name`.

    Raises:
        ConfigError: an unknown name; the message lists the known ones.
    """
    for policy in POLICIES:
        if name == policy:
            return policy
    raise ConfigError(f"unknown policy {name!r}: use {' or '.join(POLICIES)}")


def vote_key(scale: ScoreConfig, value: Value) -> Hashable:
    """What a consensus counts votes on: the choice on a pairwise scale, else pass/fail."""
    if scale.kind == "pairwise":
        return int(value)
    return scale.to_pass(value)


def human_sides(ratings: Sequence[Rating], scale: ScoreConfig, policy: Policy
                ) -> list[HumanSide]:
    """The human sides of one item under `policy` (empty: the annotators tied).

    Args:
        ratings: the item's labels on one criterion (at least one).
        scale: the criterion's scale.
        policy: `per_label` or `consensus`.
    """
    own = [r for r in ratings if not r.resolved]
    resolved = [r for r in ratings if r.resolved]
    if policy == "per_label":
        return [HumanSide(r.annotator, r.value, r.reasoning) for r in own or resolved]
    side = consensus(resolved or own, scale)
    return [] if side is None else [side]


def consensus(ratings: Sequence[Rating], scale: ScoreConfig) -> HumanSide | None:
    """The one human side of `ratings` (see the module docstring); None on a tie.

    Args:
        ratings: the labels that make the side (the resolved ones when there are any).
        scale: their scale: a numeric or star scale takes the mean, any other the majority.
    """
    if len(ratings) == 1:
        only = ratings[0]
        return HumanSide(only.annotator, only.value, only.reasoning)
    if scale.group == "numeric":
        values = {r.value for r in ratings}
        mean = sum(float(r.value) for r in ratings) / len(ratings)
        return _side(ratings, values.pop() if len(values) == 1 else mean)
    votes = Counter(vote_key(scale, r.value) for r in ratings).most_common()
    if len(votes) > 1 and votes[0][1] == votes[1][1]:
        return None
    winners = [r for r in ratings if vote_key(scale, r.value) == votes[0][0]]
    return _side(winners, _value_of(winners, scale))


def _side(ratings: Sequence[Rating], value: Value) -> HumanSide:
    reasoning = " | ".join(r.reasoning for r in ratings if r.reasoning)
    annotator = ratings[0].annotator if len(ratings) == 1 else "consensus"
    return HumanSide(annotator, value, reasoning, len(ratings))


def _value_of(winners: Sequence[Rating], scale: ScoreConfig) -> Value:
    """The majority's value on a non-numeric scale: their common value, else their most
    common category (the lower on a tie)."""
    values = [r.value for r in winners]
    if len(set(values)) == 1:
        return values[0]
    counts = Counter(values).most_common()
    top = [v for v, n in counts if n == counts[0][1]]
    if scale.kind == "categorical":
        return min(top, key=lambda v: scale.labels.index(str(v)))
    return top[0]
