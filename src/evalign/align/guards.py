"""Guards on a candidate judge: fields kept, nothing copied from held-out items, budget kept.

A candidate that drops a template field of the base prompt judges something else; one that
quotes validation or test items has seen them (its held-out figures would be a lie); a run that
passes its budget stops.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from evalign.align.traces import template_fields
from evalign.errors import ConflictError
from evalign.judges.spec import JudgeSpec

NGRAM = 8
_TOKEN = re.compile(r"\w+")


class GuardError(ConflictError):
    """A candidate broke a guard (the run keeps the previous best candidate)."""


class BudgetExceeded(Exception):
    """The run reached its call or cost budget; optimizers stop and keep their best so far."""


@dataclass
class Budget:
    """Calls and dollars an alignment run may spend (None: no limit)."""

    max_calls: int | None = None
    max_usd: float | None = None
    calls: int = 0
    usd: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    by_phase: dict[str, dict[str, float]] = field(default_factory=dict)
    exempt: tuple[str, ...] = ("verifying",)
    """Phases counted but never stopped: the final test scoring always completes."""

    def charge(self, phase: str, calls: int, prompt_tokens: int = 0, completion_tokens: int = 0,
               usd: float | None = None) -> None:
        """Count spending in `phase`; raise `BudgetExceeded` once a limit is passed."""
        self.calls += calls
        self.usd += usd or 0.0
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        row = self.by_phase.setdefault(phase, {"calls": 0, "prompt_tokens": 0,
                                               "completion_tokens": 0, "cost_usd": 0.0})
        row["calls"] += calls
        row["prompt_tokens"] += prompt_tokens
        row["completion_tokens"] += completion_tokens
        row["cost_usd"] += usd or 0.0
        if phase not in self.exempt:
            self.check()

    def check(self) -> None:
        """Raise `BudgetExceeded` when a limit is passed."""
        if self.max_calls is not None and self.calls > self.max_calls:
            raise BudgetExceeded(f"call budget of {self.max_calls} reached")
        if self.max_usd is not None and self.usd > self.max_usd:
            raise BudgetExceeded(f"cost budget of ${self.max_usd:.2f} reached")

    def left_calls(self) -> int | None:
        """Calls still allowed (None: no limit)."""
        return None if self.max_calls is None else max(0, self.max_calls - self.calls)


def check_fields_preserved(base: JudgeSpec, candidate: JudgeSpec) -> None:
    """Raise `GuardError` when the candidate prompt drops a field the base prompt uses."""
    if base.kind != "prompt" or candidate.kind != "prompt":
        return
    missing = [n for n in template_fields(base.prompt)
               if n not in template_fields(candidate.prompt)]
    if missing:
        raise GuardError(f"candidate drops template fields {', '.join(missing)}")


def candidate_text(spec: JudgeSpec) -> str:
    """Every piece of text a candidate adds to what the judge sees."""
    parts = [spec.prompt, spec.guidelines]
    for example in spec.few_shot:
        parts.extend(str(v) for v in dict(example.get("fields", {})).values())
        parts.append(str(example.get("reasoning", "")))
    parts.extend(str(q) for q in spec.checks.get("questions", []))
    return "\n".join(parts)


def copied_ngrams(text: str, held_out: Iterable[str], n: int = NGRAM) -> set[str]:
    """Word n-grams of `text` that also occur in a held-out text."""
    ours = _ngrams(text, n)
    if not ours:
        return set()
    found: set[str] = set()
    for other in held_out:
        found |= ours & _ngrams(other, n)
    return found


def check_no_leak(base: JudgeSpec, candidate: JudgeSpec, held_out: Iterable[str],
                  n: int = NGRAM) -> None:
    """Raise `GuardError` when the candidate quotes held-out text the base prompt did not."""
    ours = copied_ngrams(candidate_text(candidate), held_out, n)
    copied = ours - _ngrams(candidate_text(base), n)
    if copied:
        sample = sorted(copied)[0]
        raise GuardError(f"candidate copies {len(copied)} {n}-word spans from validation/test "
                         f"items (e.g. {sample!r})")


def _ngrams(text: str, n: int) -> set[str]:
    words = [w.lower() for w in _TOKEN.findall(text)]
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}
