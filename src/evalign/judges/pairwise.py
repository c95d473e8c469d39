"""A pairwise judge asked in both orders: what its two answers make, under an order policy.

A pairwise judge (scale `pairwise`: 1, 2, 0 = tie) sees the two outputs as given, then swapped;
the swapped answer is mapped back (1 ↔ 2) and the two are compared. A preference kept in both
orders is the verdict. When the orders disagree, the judge's `checks.order_disagreement` says
what that becomes:

    tie         the verdict is a tie (value 0), the default; against a human's 1 or 2 it is a
                disagreement, against a human tie an agreement
    uncertain   no verdict: value None with error_kind `uncertain` and an error text saying the
                preference changed with the order. Not a failed call: a non-decision, which every
                surface counts apart from the agreement (never a guessed 1, 2 or tie)

Either way the verdict keeps both raw answers and one check, `same preference with the outputs
swapped`, so reports count order-inconsistent items whatever the policy. Alignment chooses the
policy on validation (`evalign.align.order_policy`); `checks.position_swap: false` asks one
order only (no policy applies).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import cast

from evalign.errors import ConfigError
from evalign.judges.spec import ORDER_POLICIES, CheckResult, JudgeSpec, OrderPolicy, Verdict

__all__ = ["ORDER_POLICIES", "OrderPolicy", "asks_both_orders", "combine_orders", "is_uncertain",
           "order_policy", "reread", "with_policy"]
POLICY_KEY = "order_disagreement"
SWAP_QUESTION = "same preference with the outputs swapped"
UNCERTAIN = "uncertain"
"""The `error_kind` of an order-inconsistent verdict under the `uncertain` policy."""
_WHY = "inconsistent under position swap"
_WHY_RE = re.compile(re.escape(_WHY) + r" \(first order: [^,)]*, swapped: [^)]*\)")


def asks_both_orders(spec: JudgeSpec) -> bool:
    """Whether `spec` is a pairwise prompt judge asked in both orders (the default)."""
    return (spec.kind == "prompt" and spec.scale.kind == "pairwise"
            and bool(spec.checks.get("position_swap", True)))


def order_policy(spec: JudgeSpec) -> OrderPolicy:
    """The judge's policy for orders that disagree (`tie` unless it says `uncertain`).

    Raises:
        ConfigError: `checks.order_disagreement` is neither `tie` nor `uncertain`.
    """
    value = spec.checks.get(POLICY_KEY, "tie")
    check_policy(value)
    return cast(OrderPolicy, value)


def check_policy(value: object) -> None:
    """Refuse an order policy other than `tie` or `uncertain`.

    Raises:
        ConfigError: names the value and the two choices.
    """
    if value not in ORDER_POLICIES:
        raise ConfigError(f"checks.{POLICY_KEY} must be 'tie' or 'uncertain', got {value!r}: "
                          "'tie' counts orders that disagree as a tie, 'uncertain' gives no "
                          "verdict")


def with_policy(spec: JudgeSpec, policy: OrderPolicy) -> JudgeSpec:
    """A copy of `spec` whose orders that disagree become `policy` (`spec` is unchanged)."""
    check_policy(policy)
    return spec.model_copy(update={"checks": {**spec.checks, POLICY_KEY: policy}})


def combine_orders(first: Verdict, second: Verdict, policy: OrderPolicy) -> Verdict:
    """One verdict from the answer in the given order (`first`) and in the swapped order.

    An error in either order is the verdict's error. Tokens, latency and attempts add up.
    """
    raw = f"[outputs in order 1, 2]\n{first.raw}\n[outputs in order 2, 1]\n{second.raw}"
    merged = replace(first, raw=raw, attempts=first.attempts + second.attempts,
                     prompt_tokens=first.prompt_tokens + second.prompt_tokens,
                     completion_tokens=first.completion_tokens + second.completion_tokens,
                     latency_s=first.latency_s + second.latency_s)
    if first.error or second.error:
        failed = first if first.error else second
        return replace(merged, value=None, error=failed.error, error_kind=failed.error_kind)
    swapped = {1: 2, 2: 1}.get(int(second.value or 0), 0)
    consistent = first.value == swapped
    merged = replace(merged, checks=[CheckResult(question=SWAP_QUESTION, passed=consistent)])
    if consistent:
        return merged
    return settle(merged, f"{_WHY} (first order: {first.value}, swapped: {swapped})", policy)


def settle(verdict: Verdict, why: str, policy: OrderPolicy) -> Verdict:
    """An order-inconsistent verdict under `policy`; `why` names the two answers."""
    if policy == "uncertain":
        return replace(verdict, value=None, error_kind=UNCERTAIN,
                       error=f"{why}: uncertain, no verdict (the order policy is 'uncertain'; "
                             "a non-decision, not a failed call)")
    said = f" The judge's reasoning (first order): {verdict.reasoning}" if verdict.reasoning \
        else ""
    return replace(verdict, value=0, error=None, error_kind=None,
                   reasoning=f"{why}; counted as a tie.{said}")


def reread(verdict: Verdict, policy: OrderPolicy) -> Verdict:
    """A verdict of a both-orders judge as the same answers read under `policy`: no call.

    Only order-inconsistent verdicts change (a tie becomes uncertain, or back); a consistent
    verdict, an error, or a verdict without the swap check is returned as it is.
    """
    check = next((c for c in verdict.checks if c.question == SWAP_QUESTION), None)
    if check is None or check.passed is not False:
        return verdict
    if verdict.error is not None and verdict.error_kind != UNCERTAIN:
        return verdict
    found = _WHY_RE.search(verdict.error or verdict.reasoning)
    why = found.group(0) if found else _WHY
    reasoning = verdict.reasoning
    if verdict.error is None:  # drop the tie's explanation: settle writes the new one
        reasoning = reasoning.split("counted as a tie.", 1)[-1].strip().removeprefix(
            "The judge's reasoning (first order):").strip()
    return settle(replace(verdict, reasoning=reasoning), why, policy)


def is_uncertain(verdict: Verdict) -> bool:
    """Whether the verdict is an order-inconsistent non-decision (policy `uncertain`)."""
    return verdict.value is None and verdict.error_kind == UNCERTAIN

