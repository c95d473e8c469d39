"""The optimization pipeline on one split: traces, strategies in registry order, final test.

Order (`strategies.registry`): `guidelines` → `fewshot` → `threshold` → `calibrate` build on
each other (each kept only if validation improves: agreement, or for `calibrate` the mean
absolute error on 0–100); `decompose` is tried from the base judge and competes with the best so
far. Each strategy announces its own phase. The test split is scored once, at the end, for the
base judge and the winner (a refit split has no test part: nothing is scored then).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from evalign.align.calibrate import verdicts_mae
from evalign.align.examples import Example
from evalign.align.guards import BudgetExceeded, GuardError, check_no_leak
from evalign.align.reflection import Reflector
from evalign.align.scoring import Scorer, agreement, error_tally
from evalign.align.split import Split
from evalign.align.strategies.base import Candidate, Context, Optimizer, Part
from evalign.align.strategies.registry import STRATEGIES, make_optimizer
from evalign.align.strategies.registry import parse_strategies as parse_strategies
from evalign.align.traces import TraceSet, build_traces
from evalign.judges.spec import JudgeSpec, Verdict

Phase = Callable[[str], None]
TRACES_PHASE = "building disagreement traces"


@dataclass
class Settings:
    """What an alignment run may do."""

    strategies: tuple[str, ...] = STRATEGIES
    delta: float = 0.0
    rounds: int = 3
    seed: int = 0
    group_by: str | None = None
    glossary: dict[str, str] = field(default_factory=dict)
    rubric_split: str = "auto"
    checks: dict[str, Any] = field(default_factory=dict)


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


async def optimize(base: JudgeSpec, examples: Sequence[Example], split: Split, *,
                   scorer: Scorer, reflection: Reflector, verify: Scorer, settings: Settings,
                   phase: Phase) -> FoldResult:
    """Run the whole pipeline on one split; phases are announced through `phase`."""
    train, val = Part(examples, split.train), Part(examples, split.val)
    notes: list[str] = []
    strategies = settings.strategies
    try:
        traces, best = await _start(base, examples, split, scorer, settings, phase)
    except BudgetExceeded as exc:
        notes.append(f"before any strategy ran, {exc}; the candidate is the base judge")
        traces, best, strategies = TraceSet(), Candidate(base, "base", float("nan")), ()
    notes.extend(_unread_note(best))
    held_out = [_text(examples[i]) for i in (*split.val, *split.test)]
    ctx = Context(scorer, reflection, traces.traces,
                  guard=lambda spec: check_no_leak(JudgeSpec(), spec, held_out),
                  rounds=settings.rounds, seed=settings.seed,
                  groups=[e.group_key(settings.group_by) for e in examples],
                  glossary=settings.glossary, rubric_split=settings.rubric_split,
                  checks=settings.checks,
                  chosen=tuple(settings.strategies) != STRATEGIES)
    for name in strategies:
        optimizer = make_optimizer(name)
        phase(optimizer.phase)
        scorer.phase = optimizer.phase
        built_on = "base" if name == "decompose" else best.strategy
        try:
            found = await optimizer.optimize(base if built_on == "base" else best.spec,
                                             train, val, ctx)
            check_no_leak(base, found.spec, held_out)
            if name == "calibrate" and built_on != "base":
                found, built_on = await _calibrate_base_too(optimizer, base, found, built_on,
                                                            train, val, ctx, notes)
        except BudgetExceeded as exc:
            notes.append(f"{name}: {exc}; kept the best candidate so far")
            break
        except GuardError as exc:
            notes.append(f"{name}: candidate refused: {exc}")
            continue
        if found.val_mae is None and len(found.val_verdicts) == len(split.val):
            # Numeric labels: every candidate is compared by MAE, not only those that say it.
            found.val_mae = verdicts_mae(found.spec, val.examples, found.val_verdicts)
        best = _keep(name, best, found, notes, built_on)
    _mark_kept(best)
    base_test: list[Verdict] = []
    cand_test: list[Verdict] = []
    if split.test:
        phase("verifying")
        verify.phase = "verifying"
        base_test = await verify.score(base, examples, split.test)
        cand_test = await verify.score(best.spec, examples, split.test)
    return FoldResult(split, traces, best.curve[0]["val_agreement"] if best.curve else
                      float("nan"), best, base_test, cand_test, notes)


async def _calibrate_base_too(optimizer: Optimizer, base: JudgeSpec, found: Candidate,
                              built_on: str, train: Part, val: Part, ctx: Context,
                              notes: list[str]) -> tuple[Candidate, str]:
    """`found` (the best candidate so far, calibrated) or the base judge calibrated, whichever
    has the lower validation MAE: a rewritten prompt kept for its pass/fail agreement may
    answer on a coarser scale (only 0 or 100, say) that no map can spread out again."""
    alone = await optimizer.optimize(base, train, val, ctx)
    if alone.val_mae is None or found.val_mae is None or not alone.val_mae < found.val_mae:
        return found, built_on
    notes.append(f"calibrate: the base judge calibrated (validation MAE {alone.val_mae:.1f}) "
                 f"beat {built_on} calibrated ({found.val_mae:.1f}), so it is built on the "
                 "base judge")
    return alone, "base"


def _keep(name: str, best: Candidate, found: Candidate, notes: list[str],
          built_on: str) -> Candidate:
    """The better of the best so far and what `name` found, built on the candidate whose
    strategy is `built_on` (validation decides)."""
    notes.extend(f"{name}: {n}" for n in found.notes)
    kept = _better(found, best) and found.spec != best.spec
    best.curve.extend(found.curve)
    best.curve.append({"strategy": name, "round": "best", "val_agreement":
                       found.val_agreement, "val_mae": found.val_mae, "kept": kept})
    if not kept:
        return best
    strategy = name if built_on == "base" else f"{built_on}+{name}"
    return Candidate(found.spec, strategy, found.val_agreement, found.val_verdicts,
                     best.curve, best.notes, found.details, found.val_mae)


def _unread_note(base: Candidate) -> list[str]:
    """Say how many of the base judge's validation verdicts are errors, and of which kinds
    (an answer that could not be read, or a call that failed): they count as misses in its
    validation agreement, whereas the test table leaves them out and counts them."""
    errored = [v for v in base.val_verdicts if v.error is not None]
    if not errored:
        return []
    return [f"base judge: {len(errored)} of {len(base.val_verdicts)} validation verdicts are "
            f"errors ({error_tally(errored)}; first: {errored[0].error}); they count as misses "
            f"in its validation agreement ({100 * base.val_agreement:.1f}%)"]


def _mark_kept(best: Candidate) -> None:
    """Mark in the curve what the final candidate is made of: the base judge's row only when
    no strategy improved on it, a strategy's best row only when the candidate holds it (a later
    strategy may have replaced an earlier one, as `decompose` replaces the prompt)."""
    parts = set(best.strategy.split("+"))
    for point in best.curve:
        if point.get("round") == 0 and point.get("strategy") == "base":
            point["kept"] = best.strategy == "base"
        elif point.get("strategy") not in parts:
            point["kept"] = False  # e.g. guidelines' rounds when calibrate chose the base judge
        elif point.get("round") == "best":
            point["kept"] = bool(point.get("kept"))


def _better(found: Candidate, best: Candidate) -> bool:
    """On numeric scales a lower held-out MAE wins (pass/fail agreement hides a calibration's
    gain); elsewhere a higher validation agreement."""
    if found.val_mae is not None and best.val_mae is not None \
            and math.isfinite(found.val_mae) and math.isfinite(best.val_mae):
        return found.val_mae < best.val_mae
    return found.val_agreement > best.val_agreement


async def _start(base: JudgeSpec, examples: Sequence[Example], split: Split, scorer: Scorer,
                 settings: Settings, phase: Phase) -> tuple[TraceSet, Candidate]:
    """The base judge on train (for traces) and validation (the score to beat)."""
    phase(TRACES_PHASE)
    scorer.phase = TRACES_PHASE
    train_verdicts = await scorer.score(base, examples, split.train)
    everything: list[Verdict | None] = [None] * len(examples)
    for i, v in zip(split.train, train_verdicts, strict=True):
        everything[i] = v
    traces = build_traces(base, examples, _filled(everything), split.train, delta=settings.delta)
    base_val_verdicts = await scorer.score(base, examples, split.val)
    val_examples = [examples[i] for i in split.val]
    base_val = agreement(base, val_examples, base_val_verdicts)
    base_mae = verdicts_mae(base, val_examples, base_val_verdicts)
    return traces, Candidate(base, "base", base_val, base_val_verdicts,
                             curve=[{"strategy": "base", "round": 0, "val_agreement": base_val,
                                     "val_mae": base_mae, "kept": True}],
                             val_mae=base_mae)


def _filled(verdicts: list[Verdict | None]) -> list[Verdict]:
    return [v if v is not None else Verdict(value=None, error="not scored") for v in verdicts]


def _text(example: Example) -> str:
    return "\n".join(example.item.fields().values())


def describe_examples(examples: Sequence[Example]) -> dict[str, Any]:
    """Counts for the outcome: items, passes, fails."""
    passes = sum(e.passed for e in examples)
    return {"items": len(examples), "pass": passes, "fail": len(examples) - passes}
