"""Choosing on validation what a pairwise candidate's order-inconsistent answers become.

A pairwise judge is asked in both orders (`judges.pairwise`); where the two answers disagree,
its verdict is a tie or no verdict at all (`uncertain`). Each policy is scored on the
candidate's validation verdicts, re-read without a call, by the figure the reports print:
agreement over the items that got a verdict (a non-decision is left out, as every report
leaves it out). The better policy is kept in the candidate (`checks.order_disagreement`), so
the accepted judge carries it; the test verdicts are re-read the same way.

When both score alike (e.g. no validation answer changed with the order), the labels decide:
with no human tie on train or validation a tie can never be right, so `uncertain`; else `tie`.

Leaving items out raises agreement on the rest, so the outcome also gives each policy's
agreement counting non-decisions as misses, and how many test items got no verdict; the
recommendation holds a candidate to both (`outcome.recommendation`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from evalign.align.engine import FoldResult
from evalign.align.examples import Example
from evalign.align.scoring import agreement, agrees
from evalign.judges.pairwise import (
    ORDER_POLICIES,
    OrderPolicy,
    asks_both_orders,
    is_uncertain,
    order_policy,
    reread,
    with_policy,
)
from evalign.judges.spec import JudgeSpec, Verdict


def policy_figures(spec: JudgeSpec, examples: Sequence[Example], verdicts: Sequence[Verdict],
                   policy: OrderPolicy) -> dict[str, Any]:
    """One policy on labeled items: `{"agreement", "agreement_all", "decided", "uncertain",
    "items"}`.

    `agreement` is over the items with a verdict (NaN when none has one); `agreement_all`
    counts every item, a non-decision or an error as a miss (NaN when there are no items).
    """
    read = [reread(v, policy) for v in verdicts]
    decided = [(e, v) for e, v in zip(examples, read, strict=True) if v.error is None]
    hits = sum(agrees(spec, e, v) for e, v in decided)
    return {"agreement": hits / len(decided) if decided else math.nan,
            "agreement_all": agreement(spec, examples, read),
            "decided": len(decided), "uncertain": sum(map(is_uncertain, read)),
            "items": len(examples)}


def choose_policy(spec: JudgeSpec, val: Sequence[Example], verdicts: Sequence[Verdict],
                  seen: Sequence[Example]) -> tuple[OrderPolicy, dict[str, Any]]:
    """The policy with the better validation agreement, and the figures it was chosen on.

    Args:
        spec: the candidate (a pairwise judge asked in both orders).
        val: the validation examples; `verdicts` are the candidate's, in the same order.
        seen: the labels the run may look at (train and validation) for the tie-break.
    """
    scores = {p: policy_figures(spec, val, verdicts, p) for p in ORDER_POLICIES}
    tie, uncertain = (_rank(scores[p]["agreement"]) for p in ORDER_POLICIES)
    human_ties = sum(float(e.label) == 0 for e in seen)
    if tie != uncertain:
        chosen: OrderPolicy = "tie" if tie > uncertain else "uncertain"
        why = "the higher validation agreement over the items given a verdict" if min(
            tie, uncertain) >= 0 else f"'{_other(chosen)}' leaves no validation item a verdict"
    else:
        chosen = "tie" if human_ties else "uncertain"
        why = ("validation agreement is the same either way; " +
               (f"the humans call {human_ties} of {len(seen)} train and validation items a "
                "tie, so a tie can be right" if human_ties else
                "no human calls any train or validation item a tie, so a tie is never right"))
    return chosen, {"chosen": chosen, "why": why, "validation": scores}


def settle_fold(fold: FoldResult, examples: Sequence[Example]
                ) -> tuple[FoldResult, dict[str, Any] | None]:
    """The fold with its candidate's order policy chosen on validation (None: not a pairwise
    judge asked in both orders, or no validation verdicts to choose on).

    The candidate's spec carries the policy; its validation and test verdicts are re-read
    under it (no model call).
    """
    cand = fold.candidate
    val = [examples[i] for i in fold.split.val]
    if not asks_both_orders(cand.spec) or not val or len(cand.val_verdicts) != len(val):
        return fold, None
    seen = [examples[i] for i in (*fold.split.train, *fold.split.val)]
    chosen, block = choose_policy(cand.spec, val, cand.val_verdicts, seen)
    block["before"] = order_policy(cand.spec)
    spec = with_policy(cand.spec, chosen)
    val_verdicts = [reread(v, chosen) for v in cand.val_verdicts]
    candidate = replace(cand, spec=spec, val_verdicts=val_verdicts,
                        val_agreement=agreement(spec, val, val_verdicts))
    tested = [reread(v, chosen) for v in fold.candidate_test]
    return replace(fold, candidate=candidate, candidate_test=tested), block


def order_outcome(choice: dict[str, Any] | None, test: Sequence[Example],
                  specs: Sequence[JudgeSpec], verdicts: Sequence[Verdict],
                  fold_choices: Sequence[str] = ()) -> dict[str, Any] | None:
    """The outcome's `order_policy` block: the kept candidate's choice and the test items
    the candidate gave no verdict (each verdict read with its own fold's judge)."""
    if choice is None:
        return None
    hits = sum(agrees(s, e, v) for s, e, v in zip(specs, test, verdicts, strict=True))
    uncertain = sum(map(is_uncertain, verdicts))
    # A failed or unreadable verdict is left out, as every report leaves it out; only the
    # non-decisions are counted as misses, so this figure and a held-out run's agree.
    counted = sum(v.error is None or is_uncertain(v) for v in verdicts)
    block = {**choice, "test": {
        "items": len(test), "uncertain": uncertain, "counted": counted, "hits": hits,
        "agreement_all": hits / counted if counted else None}}
    if len(fold_choices) > 1:
        block["folds"] = list(fold_choices)
    return block


def order_note(block: dict[str, Any] | None) -> str | None:
    """A plain sentence when test items got no verdict, so a higher agreement on the rest is
    never read as agreement on every item."""
    test = (block or {}).get("test") or {}
    if not test.get("uncertain"):
        return None
    every = test.get("agreement_all")
    counted, hits = test.get("counted"), test.get("hits")
    basis = "" if counted is None or hits is None else (
        f" ({hits} of {counted} test items" + (
            f"; {_errored(test['items'] - counted)} left out, as in every report"
            if counted < test["items"] else "") + ")")
    return (f"order policy 'uncertain': {test['uncertain']} of {test['items']} test items got "
            "no verdict (the judge's preference changed when the outputs were swapped); they "
            "are left out of the candidate's test agreement" +
            ("" if every is None else
             f" — counted as misses it would be {100 * every:.1f}%{basis}"))


def _errored(n: int) -> str:
    return f"{n} errored verdict{'s' * (n != 1)}"


def _other(policy: OrderPolicy) -> OrderPolicy:
    return "uncertain" if policy == "tie" else "tie"


def _rank(value: float) -> float:
    """NaN (no item decided) ranks below every agreement."""
    return -1.0 if math.isnan(value) else value
