"""The `guidelines` strategy: the reflection model distills guidelines from disagreement traces.

Each round shows the reflection model one batch of training disagreements (never validation or
test items) and the current guidelines, and asks for short, general guidelines in plain language.
The candidate prompt is the base prompt plus those guidelines; every round's candidate is scored
on validation and the best one is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from evalign.align.examples import Example
from evalign.align.guards import Budget, BudgetExceeded, GuardError, check_fields_preserved
from evalign.align.scoring import Scorer, agreement
from evalign.align.strategies.base import Candidate
from evalign.align.traces import Trace
from evalign.judges.spec import JudgeSpec
from evalign.providers.base import GenerateRequest, ModelAPI

MAX_GUIDELINES = 6
TRACE_CHARS = 1800
_REFLECT = """You improve an AI judge so that it agrees with human experts.

The judge's instructions:
{prompt}

{current}Below are cases from the training data where the judge and the human experts disagreed.

{traces}

Write at most {limit} short, general guidelines that would make the judge agree with the experts
on new, different cases. Say what to look for and how strict to be. Do not quote or name anything
specific to these cases. One guideline per line, each starting with "- ". Nothing else."""

Guard = Callable[[JudgeSpec], None]


class GuidelinesOptimizer:
    """Distill guidelines over a few rounds; keep the round that agrees best on validation."""

    name = "guidelines"

    def __init__(self, scorer: Scorer, reflection: ModelAPI, examples: Sequence[Example],
                 val_idx: Sequence[int], traces: Sequence[Trace], *, rounds: int = 3,
                 batch_size: int = 4, guard: Guard | None = None):
        self.scorer, self.reflection, self.examples = scorer, reflection, examples
        self.val_idx, self.traces = list(val_idx), list(traces)
        self.rounds, self.batch_size, self.guard = rounds, batch_size, guard
        self.seen_by_reflection: list[int] = []

    async def align(self, base: JudgeSpec, train: Sequence[Example], val: Sequence[Example],
                    budget: Budget) -> Candidate:
        """Run the rounds; the result is the best candidate on validation (possibly the base)."""
        base_verdicts = await self.scorer.score(base, self.examples, self.val_idx)
        best = Candidate(base, self.name, agreement(base, val, base_verdicts), base_verdicts)
        current = base.guidelines
        for number, batch in enumerate(self._batches(), 1):
            try:
                current = await self._reflect(base, current, batch, budget)
                spec = base.model_copy(update={"guidelines": current})
                if self.guard is not None:
                    self.guard(spec)
                check_fields_preserved(base, spec)
                verdicts = await self.scorer.score(spec, self.examples, self.val_idx)
            except GuardError as exc:
                best.notes.append(f"round {number} dropped: {exc}")
                continue
            except BudgetExceeded as exc:
                best.notes.append(f"stopped before round {number}: {exc}")
                break
            score = agreement(spec, val, verdicts)
            kept = score > best.val_agreement
            best.curve.append({"strategy": self.name, "round": number, "val_agreement": score,
                               "kept": kept, "guidelines": current})
            if kept:
                best = Candidate(spec, self.name, score, verdicts, best.curve, best.notes)
        return best

    def _batches(self) -> list[list[Trace]]:
        size = self.batch_size
        chunks = [self.traces[i:i + size] for i in range(0, len(self.traces), size)]
        return chunks[:self.rounds]

    async def _reflect(self, base: JudgeSpec, current: str, batch: Sequence[Trace],
                       budget: Budget) -> str:
        self.seen_by_reflection.extend(t.index for t in batch)
        text = _REFLECT.format(
            prompt=base.prompt.strip(), limit=MAX_GUIDELINES,
            current=f"Current guidelines (revise them):\n{current}\n\n" if current else "",
            traces="\n\n".join(f"Case {i}:\n{_clip(t.to_text())}" for i, t in enumerate(batch, 1)))
        request = GenerateRequest(messages=[{"role": "user", "content": text}],
                                  params={"temperature": 0.0, "max_tokens": 300})
        result = await self.reflection.generate(request)
        budget.charge("distilling guidelines", 1, result.prompt_tokens or 0,
                      result.completion_tokens or 0)
        return parse_guidelines(result.text) or current


def parse_guidelines(text: str) -> str:
    """Keep the bullet lines of a reflection answer (at most `MAX_GUIDELINES`)."""
    lines = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip()
             for line in text.splitlines() if re.match(r"^\s*(?:[-*•]|\d+[.)])\s+", line)]
    if not lines:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "\n".join(f"- {line}" for line in lines[:MAX_GUIDELINES] if line)


def _clip(text: str) -> str:
    return text if len(text) <= TRACE_CHARS else text[:TRACE_CHARS] + " […]"
