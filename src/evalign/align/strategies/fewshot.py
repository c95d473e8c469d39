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
from evalign.align.guards import Budget, BudgetExceeded
from evalign.align.scoring import Scorer, agreement
from evalign.align.strategies.base import Candidate
from evalign.align.traces import OUTPUT_FIELDS, template_fields
from evalign.judges.spec import JudgeSpec

CHARS_PER_TOKEN = 4


class FewShotOptimizer:
    """Try a few example sets; keep the one that agrees best on validation."""

    name = "fewshot"

    def __init__(self, scorer: Scorer, examples: Sequence[Example], train_idx: Sequence[int],
                 val_idx: Sequence[int], disagreement_idx: Sequence[int], *, k: int = 4,
                 draws: int = 2, context_tokens: int = 2500, seed: int = 0):
        self.scorer, self.examples = scorer, examples
        self.train_idx, self.val_idx = list(train_idx), list(val_idx)
        self.disagreements = list(disagreement_idx)
        self.k, self.draws, self.context_tokens, self.seed = k, draws, context_tokens, seed

    async def align(self, base: JudgeSpec, train: Sequence[Example], val: Sequence[Example],
                    budget: Budget) -> Candidate:
        """Score each draw on validation; the best (or the base) wins."""
        base_verdicts = await self.scorer.score(base, self.examples, self.val_idx)
        best = Candidate(base, self.name, agreement(base, val, base_verdicts), base_verdicts)
        for number in range(1, self.draws + 1):
            shots = self.pick(base, random.Random(self.seed + number))
            if not shots:
                best.notes.append("no training example fits the context budget")
                break
            spec = base.model_copy(update={"few_shot": [*base.few_shot, *shots]})
            try:
                verdicts = await self.scorer.score(spec, self.examples, self.val_idx)
            except BudgetExceeded as exc:
                best.notes.append(f"stopped before draw {number}: {exc}")
                break
            score = agreement(spec, val, verdicts)
            kept = score > best.val_agreement
            best.curve.append({"strategy": self.name, "round": number, "val_agreement": score,
                               "kept": kept, "examples": len(shots)})
            if kept:
                best = Candidate(spec, self.name, score, verdicts, best.curve, best.notes)
        return best

    def pick(self, base: JudgeSpec, rng: random.Random) -> list[dict[str, Any]]:
        """Up to k examples, half pass half fail, disagreements first, within the budget."""
        fields = [f for f in template_fields(base.prompt)]
        wrong = [i for i in self.disagreements if i in set(self.train_idx)]
        rest = [i for i in self.train_idx if i not in set(wrong)]
        rng.shuffle(wrong)
        rng.shuffle(rest)
        chosen: list[dict[str, Any]] = []
        want = {True: (self.k + 1) // 2, False: self.k // 2}
        left = self.context_tokens * CHARS_PER_TOKEN
        for i in wrong + rest:
            example = self.examples[i]
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
