"""The `fewshot` strategy: show the judge labeled training examples, preferring its mistakes.

Examples come from train only, with the human's reasoning where there is one, balanced between
pass and fail, disagreement items first, and only as many as fit in the context budget. A few
seeded draws are scored on validation; the best is kept.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from evalign.align.examples import Example
from evalign.align.guards import BudgetExceeded
from evalign.align.scoring import agreement
from evalign.align.strategies.base import Candidate, Context, Part
from evalign.align.traces import OUTPUT_FIELDS, template_fields
from evalign.judges.spec import JudgeSpec

CHARS_PER_TOKEN = 4


class FewShotOptimizer:
    """Try a few example sets; keep the one that agrees best on validation."""

    name = "fewshot"
    phase = "choosing few-shot examples"

    def __init__(self, *, k: int = 4, draws: int = 2, context_tokens: int = 2500):
        self.k, self.draws, self.context_tokens = k, draws, context_tokens

    async def optimize(self, judge: JudgeSpec, train: Part, val: Part,
                       ctx: Context) -> Candidate:
        """Score each draw on validation; the best (or `judge`) wins."""
        base_verdicts = await ctx.scorer.score(judge, val.pool, val.indices)
        best = Candidate(judge, self.name, agreement(judge, val.examples, base_verdicts),
                         base_verdicts)
        wrong = [t.index for t in ctx.traces]
        for number in range(1, self.draws + 1):
            shots = self.pick(judge, train, wrong, random.Random(ctx.seed + number))
            if not shots:
                best.notes.append("no training example fits the context budget")
                break
            spec = judge.model_copy(update={"few_shot": [*judge.few_shot, *shots]})
            try:
                verdicts = await ctx.scorer.score(spec, val.pool, val.indices)
            except BudgetExceeded as exc:
                best.notes.append(f"stopped before draw {number}: {exc}")
                break
            score = agreement(spec, val.examples, verdicts)
            kept = score > best.val_agreement
            best.curve.append({"strategy": self.name, "round": number, "val_agreement": score,
                               "kept": kept, "examples": len(shots)})
            if kept:
                best = Candidate(spec, self.name, score, verdicts, best.curve, best.notes)
        return best

    def pick(self, base: JudgeSpec, train: Part, disagreements: Sequence[int],
             rng: random.Random) -> list[dict[str, Any]]:
        """Up to k train examples, half pass half fail, disagreements first, within budget."""
        fields = [f for f in template_fields(base.prompt)]
        allowed = set(train.indices)
        wrong = [i for i in disagreements if i in allowed]
        rest = [i for i in train.indices if i not in set(wrong)]
        rng.shuffle(wrong)
        rng.shuffle(rest)
        chosen: list[dict[str, Any]] = []
        want = {True: (self.k + 1) // 2, False: self.k // 2}
        left = self.context_tokens * CHARS_PER_TOKEN
        for i in wrong + rest:
            example = train.pool[i]
            if want[example.passed] <= 0:
                continue
            shot = _shot(example, fields)
            size = sum(len(str(v)) for v in shot["fields"].values()) + len(shot["reasoning"])
            if size > left:
                continue
            chosen.append(shot)
            want[example.passed] -= 1
            left -= size
        return chosen


def _shot(example: Example, fields: Sequence[str]) -> dict[str, Any]:
    values = example.item.fields()
    shown = {f: values[f] for f in fields if f in values}
    if not any(f in OUTPUT_FIELDS for f in fields) and "output" in values:
        shown["response"] = values["output"]
    return {"fields": shown, "label": example.label, "reasoning": example.reasoning}
