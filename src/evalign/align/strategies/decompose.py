"""The `decompose` strategy: one yes/no question per rubric point, aggregation learned.

Where the rubric lives in an item field (grading notes, a checklist), each item's rubric is split
by rules into concepts; where it lives in the prompt, the reflection model lists the checks once.
The judge model answers every check on train and validation items once; the aggregation (all
checks pass, a cut on the weakest check's P(yes) or on their geometric mean, a count of failed
checks, or a small logistic model) is chosen by grouped cross-validation over the train and
validation items (train → validation when no groups are known), then refitted on both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from evalign.align import aggregate
from evalign.align.examples import Example
from evalign.align.guards import Budget
from evalign.align.scoring import Scorer, agreement
from evalign.align.strategies.base import Candidate
from evalign.align.traces import OUTPUT_FIELDS, template_fields
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.providers.base import GenerateRequest, ModelAPI

RUBRIC_HINTS = ("grading_notes", "rubric", "criteria", "checklist", "notes", "reference")
_LIST_PROMPT = (
    "Split the evaluation instructions below into at most 8 atomic checks. Write each check as "
    "one short yes/no question about the response, starting with 'Does the response'. One "
    "question per line, nothing else.\n\nInstructions:\n{prompt}"
)


class DecomposeOptimizer:
    """Build a decomposed judge from a prompt judge and learn its aggregation."""

    name = "decompose"

    def __init__(self, scorer: Scorer, examples: Sequence[Example], train_idx: Sequence[int],
                 val_idx: Sequence[int], *, reflection: ModelAPI | None = None,
                 methods: Sequence[str] = aggregate.METHODS,
                 groups: Sequence[str] | None = None, seed: int = 0):
        self.scorer, self.examples = scorer, examples
        self.train_idx, self.val_idx = list(train_idx), list(val_idx)
        self.reflection, self.methods = reflection, tuple(methods)
        self.groups, self.seed = groups, seed

    async def align(self, base: JudgeSpec, train: Sequence[Example], val: Sequence[Example],
                    budget: Budget) -> Candidate:
        """Score every check once on train and validation, then learn the aggregation."""
        checks = await self.checks_config(base, budget)
        spec = JudgeSpec(kind="decomposed", prompt=base.prompt, scale=base.scale,
                         model=base.model, params={}, checks=checks)
        fitted = await self.scorer.score(spec, self.examples, self.train_idx)
        val_raw = await self.scorer.score(spec, self.examples, self.val_idx)
        chosen, scores = self._learn(fitted, val_raw)
        final = spec.model_copy(update={"checks": checks | {"aggregation": chosen}})
        # judges.decomposed imports this package's aggregation: import it late, not in a cycle.
        from evalign.judges.decomposed import aggregate_verdict

        val_verdicts = [aggregate_verdict(final, v) if v.value is not None else v
                        for v in val_raw]
        # The honest figure: the chosen method scored on items it was not fitted on.
        honest = max(scores.values()) if scores else agreement(final, val, val_verdicts)
        curve = [{"strategy": self.name, "round": i + 1, "method": m, "val_agreement": s}
                 for i, (m, s) in enumerate(scores.items())]
        return Candidate(final, self.name, honest, val_verdicts, curve=curve,
                         details={"aggregation": chosen, "method_val_agreement": scores,
                                  "checks_per_item": _mean_checks(fitted + val_raw)})

    def _learn(self, train_verdicts: Sequence[Verdict], val_verdicts: Sequence[Verdict],
               ) -> tuple[dict[str, Any], dict[str, float]]:
        """Grouped cross-validation over train + val when groups are known, else train → val."""
        idx = self.train_idx + self.val_idx
        rows = [(p, self.examples[i].passed, i) for p, i in
                zip(_probs([*train_verdicts, *val_verdicts]), idx, strict=True) if p]
        n_train = sum(1 for _, _, i in rows if i in set(self.train_idx))
        probs, labels = [p for p, _, _ in rows], [y for _, y, _ in rows]
        if self.groups is not None:
            return aggregate.learn_cv(probs, labels, [self.groups[i] for _, _, i in rows],
                                      self.methods, seed=self.seed)
        return aggregate.learn(probs[:n_train], labels[:n_train], probs[n_train:],
                               labels[n_train:], self.methods)

    async def checks_config(self, base: JudgeSpec, budget: Budget) -> dict[str, Any]:
        """The `checks` block: a rubric field split per item, or questions from the prompt."""
        fields = template_fields(base.prompt)
        rubric = rubric_field(fields)
        shown = [f for f in fields if f not in OUTPUT_FIELDS and f != rubric]
        if rubric is not None:
            return {"rubric_field": rubric, "context_fields": [*shown, "output"], "expand": True}
        return {"questions": await self._questions_from_prompt(base, budget),
                "context_fields": [*shown, "output"]}

    async def _questions_from_prompt(self, base: JudgeSpec, budget: Budget) -> list[str]:
        if self.reflection is None:
            return [f"Does the response meet this requirement: {base.prompt.strip()}"]
        request = GenerateRequest(messages=[{"role": "user", "content": _LIST_PROMPT.format(
            prompt=_strip_fields(base.prompt))}], params={"temperature": 0.0, "max_tokens": 300})
        result = await self.reflection.generate(request)
        budget.charge("distilling guidelines", 1, result.prompt_tokens or 0,
                      result.completion_tokens or 0)
        lines = [re.sub(r"^[\s\d.)*-]+", "", line).strip() for line in result.text.splitlines()]
        questions = [line for line in lines if line.endswith("?")][:8]
        return questions or [f"Does the response meet this requirement: {base.prompt.strip()}"]


def rubric_field(fields: Sequence[str]) -> str | None:
    """The template field that holds a per-item rubric, if any."""
    for hint in RUBRIC_HINTS:
        for name in fields:
            if name == hint or (hint in name and name not in OUTPUT_FIELDS):
                return name
    return None


def _probs(verdicts: Sequence[Verdict]) -> list[list[float]]:
    return [[c.p_yes if c.p_yes is not None else float(bool(c.passed)) for c in v.checks]
            if v.value is not None else [] for v in verdicts]


def _mean_checks(verdicts: Sequence[Verdict]) -> float:
    counts = [len(v.checks) for v in verdicts if v.value is not None]
    return sum(counts) / len(counts) if counts else float("nan")


def _strip_fields(prompt: str) -> str:
    return re.sub(r"\{[^{}]*\}", "…", prompt)
