"""Guards on a candidate judge: fields kept, nothing copied from held-out items, budget kept.

A candidate that drops a template field of the base prompt judges something else; one that
quotes validation or test items has seen them (its held-out figures would be a lie); a run that
passes its budget stops. A call whose cost is unknown (a model with no price, a provider that
gave no token counts) is counted as such, never as free: the run's cost becomes unknown, and a
cost budget that cannot be tracked stops the run (`align.priced` refuses it up front when a
model has no price).
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
    """Calls and dollars an alignment run may spend (None: no limit).

    `usd` sums the calls whose cost is known; `unpriced` counts, by model string, the calls
    whose cost is not (`cost_usd` is then None: a partial sum would understate the cost).
    """

    max_calls: int | None = None
    max_usd: float | None = None
    calls: int = 0
    usd: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    by_phase: dict[str, dict[str, float]] = field(default_factory=dict)
    unpriced: dict[str, int] = field(default_factory=dict)
    exempt: tuple[str, ...] = ("verifying",)
    """Phases counted but never stopped: the final test scoring always completes."""

    def charge(self, phase: str, calls: int, prompt_tokens: int = 0, completion_tokens: int = 0,
               usd: float | None = None, *, model: str = "") -> None:
        """Count spending in `phase` (`usd` None: unknown); raise `BudgetExceeded` once a
        limit is passed or the cost budget can no longer be tracked."""
        self.calls += calls
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        row = self.by_phase.setdefault(phase, {"calls": 0, "prompt_tokens": 0,
                                               "completion_tokens": 0, "cost_usd": 0.0,
                                               "cost_unknown_calls": 0})
        row["calls"] += calls
        row["prompt_tokens"] += prompt_tokens
        row["completion_tokens"] += completion_tokens
        if usd is not None:
            self.usd += usd
            row["cost_usd"] += usd
        elif calls:  # answers served from the cache cost nothing, known or not
            name = model or "(unnamed model)"
            self.unpriced[name] = self.unpriced.get(name, 0) + calls
            row["cost_unknown_calls"] += calls
        if phase not in self.exempt:
            self.check()

    @property
    def unknown_calls(self) -> int:
        """Calls whose cost is unknown."""
        return sum(self.unpriced.values())

    @property
    def cost_usd(self) -> float | None:
        """Dollars spent, to the micro-dollar; None when any call's cost is unknown."""
        return None if self.unpriced else round(self.usd, 6)

    def phase_rows(self) -> dict[str, dict[str, float | None]]:
        """Spending per phase; a phase's `cost_usd` is None when some of its calls' is unknown."""
        return {phase: dict(row, cost_usd=None if row["cost_unknown_calls"] else
                            round(row["cost_usd"], 6))
                for phase, row in self.by_phase.items()}

    def check(self) -> None:
        """Raise `BudgetExceeded` when a limit is passed, or when a cost budget is set and
        some call's cost is unknown (the budget can no longer be kept)."""
        if self.max_calls is not None and self.calls > self.max_calls:
            raise BudgetExceeded(
                f"call budget of {self.max_calls} reached ({self.calls} calls made: it is checked "
                "between batches of calls); the test split is still scored, outside the budget")
        if self.max_usd is not None and self.unpriced:
            models = ", ".join(f"{n} to {m!r}" for m, n in self.unpriced.items())
            raise BudgetExceeded(
                f"cost budget of {_dollars(self.max_usd)} cannot be tracked: cost unknown for "
                f"{self.unknown_calls} call{'s' * (self.unknown_calls != 1)} ({models}; no "
                "price for the model, or no token counts from the provider)")
        if self.max_usd is not None and self.usd > self.max_usd:
            raise BudgetExceeded(
                f"cost budget of {_dollars(self.max_usd)} reached (${self.usd:.4f} spent: it is "
                "checked between batches of calls); the test split is still scored, outside "
                "the budget")

    def left_calls(self) -> int | None:
        """Calls still allowed (None: no limit)."""
        return None if self.max_calls is None else max(0, self.max_calls - self.calls)

    def left_usd(self) -> float | None:
        """Dollars still allowed (None: no limit)."""
        return None if self.max_usd is None else max(0.0, self.max_usd - self.usd)


def _dollars(usd: float) -> str:
    """$1.50, or for a budget under a cent its significant digits ($0.0004, not $0.00)."""
    return f"${usd:.2f}" if usd >= 0.01 or usd == 0 else f"${usd:.2g}"


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
