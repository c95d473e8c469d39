"""The `guidelines` strategy: the reflection model distills guidelines from disagreement traces.

Each round shows the reflection model one batch of training disagreements (never validation or
test items) and the current guidelines, and asks for short, general guidelines in plain language.
The candidate prompt is the base prompt plus those guidelines; every round's candidate is scored
on validation and the best one is kept. A reply that holds no guideline (a bare verdict such as
`FAIL`, an empty answer: `guideline_reply`) is never made into guidelines: that round has no
candidate, and a note quotes the raw reply.
"""

from __future__ import annotations

from collections.abc import Sequence

from evalign.align.guards import BudgetExceeded, GuardError, check_fields_preserved
from evalign.align.scoring import agreement
from evalign.align.strategies.base import Candidate, Context, Part
from evalign.align.strategies.guideline_reply import (
    MAX_GUIDELINES,
    unusable_note,
    usable_guidelines,
)
from evalign.align.traces import Trace
from evalign.judges.spec import JudgeSpec
from evalign.providers.base import GenerateRequest

TRACE_CHARS = 1800
_REFLECT = """You improve an AI judge so that it agrees with human experts.

The judge's instructions:
{prompt}

{current}Below are cases from the training data where the judge and the human experts disagreed.

{traces}

Write at most {limit} short, general guidelines that would make the judge agree with the experts
on new, different cases. Say what to look for and how strict to be. Do not quote or name anything
specific to these cases. One guideline per line, each starting with "- ". Nothing else."""

class GuidelinesOptimizer:
    """Distill guidelines over a few rounds; keep the round that agrees best on validation."""

    name = "guidelines"
    phase = "distilling guidelines"

    def __init__(self, *, batch_size: int = 4):
        self.batch_size = batch_size
        self.seen_by_reflection: list[int] = []

    async def optimize(self, judge: JudgeSpec, train: Part, val: Part,
                       ctx: Context) -> Candidate:
        """Run the rounds; the result is the best candidate on validation (possibly `judge`)."""
        base_verdicts = await ctx.scorer.score(judge, val.pool, val.indices)
        best = Candidate(judge, self.name, agreement(judge, val.examples, base_verdicts),
                         base_verdicts)
        current = judge.guidelines
        allowed = set(train.indices)
        traces = [t for t in ctx.traces if t.index in allowed]
        for number, batch in enumerate(self._batches(traces, ctx.rounds), 1):
            try:
                reply = await self._reflect(judge, current, batch, ctx)
                written = usable_guidelines(reply, judge.scale)
                if not written:
                    best.notes.append(f"round {number} dropped: {unusable_note(reply)}")
                    continue
                current = written
                spec = judge.model_copy(update={"guidelines": current})
                if ctx.guard is not None:
                    ctx.guard(spec)
                check_fields_preserved(judge, spec)
                verdicts = await ctx.scorer.score(spec, val.pool, val.indices)
            except GuardError as exc:
                best.notes.append(f"round {number} dropped: {exc}")
                continue
            except BudgetExceeded as exc:
                best.notes.append(f"stopped before round {number}: {exc}")
                break
            score = agreement(spec, val.examples, verdicts)
            kept = score > best.val_agreement
            best.curve.append({"strategy": self.name, "round": number, "val_agreement": score,
                               "kept": kept, "guidelines": current})
            if kept:
                best = Candidate(spec, self.name, score, verdicts, best.curve, best.notes)
        return best

    def _batches(self, traces: Sequence[Trace], rounds: int) -> list[list[Trace]]:
        size = self.batch_size
        chunks = [list(traces[i:i + size]) for i in range(0, len(traces), size)]
        return chunks[:rounds]

    async def _reflect(self, base: JudgeSpec, current: str, batch: Sequence[Trace],
                       ctx: Context) -> str:
        self.seen_by_reflection.extend(t.index for t in batch)
        text = _REFLECT.format(
            prompt=base.prompt.strip(), limit=MAX_GUIDELINES,
            current=f"Current guidelines (revise them):\n{current}\n\n" if current else "",
            traces="\n\n".join(f"Case {i}:\n{_clip(t.to_text())}" for i, t in enumerate(batch, 1)))
        request = GenerateRequest(messages=[{"role": "user", "content": text}],
                                  params={"temperature": 0.0, "max_tokens": 300})
        result = await ctx.reflection.ask(request, self.phase)
        return result.text


def _clip(text: str) -> str:
    return text if len(text) <= TRACE_CHARS else text[:TRACE_CHARS] + " […]"
