"""The optimization pipeline on one split: traces, strategies in a fixed order, final test.

Order: `guidelines` → `fewshot` → `threshold` → `calibrate` build on each other (each kept only
if validation improves: agreement, or for `calibrate` the mean absolute error on 0–100);
`decompose` is tried from the base judge and competes with the best so far. The test split is
scored once, at the end, for the base judge and the winner.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from evalign.align.examples import Example
from evalign.align.guards import BudgetExceeded, GuardError, check_no_leak
from evalign.align.scoring import Scorer, agreement
from evalign.align.split import Split
from evalign.align.strategies.base import Candidate, Optimizer
from evalign.align.strategies.calibrate import CalibrateOptimizer
from evalign.align.strategies.decompose import DecomposeOptimizer
from evalign.align.strategies.fewshot import FewShotOptimizer
from evalign.align.strategies.guidelines import GuidelinesOptimizer
from evalign.align.strategies.threshold import ThresholdOptimizer
from evalign.align.traces import TraceSet, build_traces
from evalign.errors import ConfigError
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.providers.base import ModelAPI

STRATEGIES = ("guidelines", "fewshot", "threshold", "calibrate", "decompose")
Phase = Callable[[str], None]


@dataclass
class Settings:
    """What an alignment run may do."""

    strategies: tuple[str, ...] = STRATEGIES
    delta: float = 0.0
    rounds: int = 3
    seed: int = 0
    group_by: str | None = None
    glossary: dict[str, str] = field(default_factory=dict)
    rubric_split: str = "model"


@dataclass
class FoldResult:
    """One split's outcome: the traces, the winner, and both judges' test verdicts."""

    split: Split
    traces: TraceSet
    base_val: float
    candidate: Candidate
    base_test: list[Verdict] = field(default_factory=list)
    candidate_test: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_strategies(text: str | Sequence[str]) -> tuple[str, ...]:
    """Read `--strategy guidelines,threshold`; unknown names are refused."""
    names = [s.strip() for s in (text.split(",") if isinstance(text, str) else text) if s.strip()]
    unknown = [n for n in names if n not in STRATEGIES]
    if unknown or not names:
        raise ConfigError(f"--strategy: unknown {', '.join(unknown) or '(none)'}; "
                          f"choose from {','.join(STRATEGIES)}")
    return tuple(n for n in STRATEGIES if n in names)


async def optimize(base: JudgeSpec, examples: Sequence[Example], split: Split, *,
                   scorer: Scorer, reflection: ModelAPI, verify: Scorer, settings: Settings,
                   phase: Phase) -> FoldResult:
    """Run the whole pipeline on one split; phases are announced through `phase`."""
    train = [examples[i] for i in split.train]
    val = [examples[i] for i in split.val]
    phase("building disagreement traces")
    notes: list[str] = []
    strategies = settings.strategies
    try:
        traces, best = await _start(base, examples, split, scorer, settings, phase)
    except BudgetExceeded as exc:
        notes.append(f"{exc} before any strategy ran: the candidate is the base judge")
        traces, best, strategies = TraceSet(), Candidate(base, "base", float("nan")), ()
    held_out = [_text(examples[i]) for i in (*split.val, *split.test)]
    for name in strategies:
        optimizer = _optimizer(name, scorer, reflection, examples, split, traces, settings,
                               held_out)
        start = base if name == "decompose" else best.spec
        try:
            found = await optimizer.align(start, train, val, scorer.budget)
            check_no_leak(base, found.spec, held_out)
        except BudgetExceeded as exc:
            notes.append(f"{name}: {exc}; kept the best candidate so far")
            break
        except GuardError as exc:
            notes.append(f"{name}: candidate refused: {exc}")
            continue
        notes.extend(f"{name}: {n}" for n in found.notes)
        better = found.val_agreement > best.val_agreement or bool(
            found.details.get("val_mae_improved"))
        kept = better and found.spec != best.spec
        best.curve.extend(found.curve)
        best.curve.append({"strategy": name, "round": "best", "val_agreement":
                           found.val_agreement, "kept": kept})
        if kept:
            strategy = name if best.strategy == "base" or name == "decompose" \
                else f"{best.strategy}+{name}"
            best = Candidate(found.spec, strategy, found.val_agreement, found.val_verdicts,
                             best.curve, best.notes, found.details)
    phase("verifying")
    verify.phase = "verifying"
    base_test = await verify.score(base, examples, split.test)
    cand_test = await verify.score(best.spec, examples, split.test)
    return FoldResult(split, traces, best.curve[0]["val_agreement"] if best.curve else
                      float("nan"), best, base_test, cand_test, notes)


async def _start(base: JudgeSpec, examples: Sequence[Example], split: Split, scorer: Scorer,
                 settings: Settings, phase: Phase) -> tuple[TraceSet, Candidate]:
    """The base judge on train (for traces) and validation (the score to beat)."""
    scorer.phase = "building disagreement traces"
    train_verdicts = await scorer.score(base, examples, split.train)
    everything: list[Verdict | None] = [None] * len(examples)
    for i, v in zip(split.train, train_verdicts, strict=True):
        everything[i] = v
    traces = build_traces(base, examples, _filled(everything), split.train, delta=settings.delta)
    phase("distilling guidelines")
    scorer.phase = "distilling guidelines"
    base_val_verdicts = await scorer.score(base, examples, split.val)
    base_val = agreement(base, [examples[i] for i in split.val], base_val_verdicts)
    return traces, Candidate(base, "base", base_val, base_val_verdicts,
                             curve=[{"strategy": "base", "round": 0, "val_agreement": base_val,
                                     "kept": True}])


def _optimizer(name: str, scorer: Scorer, reflection: ModelAPI, examples: Sequence[Example],
               split: Split, traces: TraceSet, settings: Settings,
               held_out: list[str]) -> Optimizer:
    if name == "guidelines":
        return GuidelinesOptimizer(
            scorer, reflection, examples, split.val, traces.traces, rounds=settings.rounds,
            guard=lambda spec: check_no_leak(JudgeSpec(), spec, held_out))
    if name == "fewshot":
        return FewShotOptimizer(scorer, examples, split.train, split.val,
                                [t.index for t in traces.traces], seed=settings.seed)
    if name == "threshold":
        return ThresholdOptimizer(scorer, examples, split.train, split.val)
    if name == "calibrate":
        return CalibrateOptimizer(scorer, examples, split.train, split.val)
    groups = [e.group_key(settings.group_by) for e in examples]
    return DecomposeOptimizer(scorer, examples, split.train, split.val, reflection=reflection,
                              groups=groups, seed=settings.seed, traces=traces.traces,
                              glossary=settings.glossary, split=settings.rubric_split)


def _filled(verdicts: list[Verdict | None]) -> list[Verdict]:
    return [v if v is not None else Verdict(value=None, error="not scored") for v in verdicts]


def _text(example: Example) -> str:
    return "\n".join(example.item.fields().values())


def describe_examples(examples: Sequence[Example]) -> dict[str, Any]:
    """Counts for the outcome: items, passes, fails."""
    passes = sum(e.passed for e in examples)
    return {"items": len(examples), "pass": passes, "fail": len(examples) - passes}
