"""The one optimizer contract: `optimize(judge, train, val, ctx) -> Candidate`; never mutates.

An optimizer is built empty (by its registry factory) and gets everything that depends on the
run through the call, dspy `compile(student, trainset, valset)` style: the judge to improve, the
train and validation parts, and a `Context` with the scorer, the reflection model and the run's
options. The same optimizer object can therefore be applied to every fold and to the refit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from evalign.align.examples import Example
from evalign.align.guards import Budget
from evalign.align.reflection import Reflector
from evalign.align.scoring import Scorer
from evalign.align.traces import Trace
from evalign.judges.spec import JudgeSpec, Verdict

Guard = Callable[[JudgeSpec], None]


@dataclass
class Candidate:
    """A judge version proposed by an optimizer, with how it did on validation.

    Attributes:
        spec: the proposed judge content (a new object; the base is never changed).
        strategy: which optimizer(s) produced it, e.g. `guidelines+threshold`.
        val_agreement: its agreement with the humans on the validation split.
        val_verdicts: its verdicts on the validation split, in order.
        curve: one entry per round tried: `{"strategy", "round", "val_agreement", "kept"}`.
        notes: plain-language remarks (e.g. why a round was dropped).
        details: strategy-specific data for the outcome (e.g. per-method aggregation scores).
        val_mae: on numeric scales, its mean absolute error on 0–100 on items it was not fitted
            on (validation, or out-of-fold); candidates are compared by it where both have one.
    """

    spec: JudgeSpec
    strategy: str
    val_agreement: float
    val_verdicts: list[Verdict] = field(default_factory=list)
    curve: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    val_mae: float | None = None


@dataclass(frozen=True)
class Part:
    """One part of a split (train or validation): positions in the run's example list.

    Positions, not copies, because the scorer remembers verdicts by (spec, position): a
    candidate is never scored twice on one item, across strategies and folds.

    Attributes:
        pool: every example of the run, in a fixed order.
        indices: the positions of this part's examples in `pool`.
    """

    pool: Sequence[Example]
    indices: tuple[int, ...]

    @property
    def examples(self) -> list[Example]:
        """This part's examples, in `indices` order."""
        return [self.pool[i] for i in self.indices]

    def __len__(self) -> int:
        return len(self.indices)


@dataclass
class Context:
    """What an optimizer may use besides the data: models, budget, traces and options.

    Attributes:
        scorer: scores candidate judges (the judge model; charges the run's budget).
        reflection: the reflection model behind retries, limits and the budget.
        traces: training disagreements of the base judge (never held-out items).
        guard: raises `GuardError` for a candidate that quotes held-out text.
        rounds: reflection rounds (`guidelines`).
        seed: seeds every draw.
        groups: each pool example's group key (`--group-by`), or None.
        glossary: the user's term → expansion mapping for rubrics (`decompose`).
        rubric_split: `auto`, `model` or `rules` (`decompose`).
        checks: fixed questions and/or a question template (`decompose`, `AlignConfig.checks`).
        chosen: the user chose the strategies; False for the default, every strategy that
            applies, where one that cannot apply to the judge's scale is skipped unsaid.
    """

    scorer: Scorer
    reflection: Reflector
    traces: Sequence[Trace] = ()
    guard: Guard | None = None
    rounds: int = 3
    seed: int = 0
    groups: Sequence[str] | None = None
    glossary: dict[str, str] = field(default_factory=dict)
    rubric_split: str = "auto"
    checks: dict[str, Any] = field(default_factory=dict)
    chosen: bool = True

    @property
    def budget(self) -> Budget:
        """The run's budget (shared by the scorer and the reflection model)."""
        return self.scorer.budget


class Optimizer(Protocol):
    """Turns a judge and labeled examples into a candidate judge.

    Attributes:
        name: the registry name (`--strategy NAME`).
        phase: the phase the run shows while this optimizer works.
    """

    name: str
    phase: str

    async def optimize(self, judge: JudgeSpec, train: Part, val: Part,
                       ctx: Context) -> Candidate:
        """Propose a candidate built from `train`, chosen on `val`; `judge` stays unchanged.

        Raises:
            BudgetExceeded: the run's budget ran out (the engine keeps its best so far).
            GuardError: the candidate broke a guard.
        """
        ...
