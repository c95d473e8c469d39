"""One alignment run from its stored settings to its outcome (called by `execute_alignment`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from evalign.align.ceiling import human_ceiling
from evalign.align.checks import checks_listing
from evalign.align.config import AlignConfig, default_model
from evalign.align.engine import FoldResult, Settings, optimize
from evalign.align.examples import Example
from evalign.align.guards import Budget
from evalign.align.load import Loaded, load_dataset, load_runs, sample_examples
from evalign.align.order_policy import order_note, order_outcome, settle_fold
from evalign.align.outcome import (
    check_measured,
    prompt_diff,
    recommendation,
    test_error_note,
    test_outcome,
)
from evalign.align.raters import rater_outcome
from evalign.align.reflection import Reflector
from evalign.align.scoring import InProcess, Scorer, ScoringExecutor
from evalign.align.split import Split, kfold_splits, split_examples
from evalign.align.strategies.registry import REFIT_PHASE
from evalign.judges.serialize import spec_to_dict
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.providers.base import ModelAPI
from evalign.runner.models import resolve_model
from evalign.store import Store
from evalign.store.repo_alignment_runs import get_alignment_run
from evalign.store.repo_judges import resolve


class Cancelled(Exception):
    """The run was cancelled while it ran."""


class Tracker(Protocol):
    """Where the pipeline reports phases and progress (and learns of cancellation)."""

    def phase(self, name: str, **extra: Any) -> None: ...

    def progress(self, done: int, total: int, **extra: Any) -> None: ...

    def check(self) -> None: ...


async def run_pipeline(store: Store, run_id: int, tracker: Tracker,
                       models: Mapping[str, ModelAPI] | None = None,
                       executor: ScoringExecutor | None = None) -> dict[str, Any]:
    """Load, split, optimize, verify on test, and return the outcome dict.

    `executor` is where the judge's scoring calls run (default: this process).
    """
    executor = executor or InProcess()
    tracker.phase("loading annotations")
    config, base, version_id, judge_criterion = _settings(store, run_id)
    # Source-run verdicts stand in for the base judge only when made by the same model.
    loaded = _load(store, config, version_id, judge_criterion,
                   None if models else config.judge_model or base.model)
    splits = _splits(loaded.examples, config)
    tracker.progress(len(loaded.examples), len(loaded.examples), split=splits[0].sizes())
    roles = _models(config, base, models or {})
    budget = Budget(config.budget_calls, config.budget_usd)
    scorer = Scorer(roles["judge"], budget, cache_store=store, check=tracker.check,
                    progress=tracker.progress, executor=executor,
                    max_error_rate=config.max_error_rate)
    verify = scorer if roles["verify"] is roles["judge"] else Scorer(
        roles["verify"], budget, cache_store=store, check=tracker.check,
        progress=tracker.progress, executor=executor, max_error_rate=config.max_error_rate,
        calls_failed=scorer.calls_failed)
    for index, verdict in loaded.verdicts.items():
        scorer.remember(base, index, verdict)
        verify.remember(base, index, verdict)
    judge_spec = base.model_copy(update={"model": roles["judge"].model}) \
        if config.judge_model else base
    settings = Settings(strategies=config.strategies, delta=config.delta, rounds=config.rounds,
                        seed=config.seed, group_by=config.group_by,
                        glossary=dict(config.glossary), rubric_split=config.rubric_split,
                        checks=dict(config.checks))
    reflector = Reflector(roles["reflection"], budget)
    folds = []
    try:
        for split in splits:
            folds.append(await optimize(judge_spec, loaded.examples, split, scorer=scorer,
                                        reflection=reflector, verify=verify,
                                        settings=settings, phase=tracker.phase))
        if len(splits) > 1:
            # The candidate kept is learned again from every labeled item (the folds' test
            # figures estimate how well this procedure does on unseen items).
            tracker.phase(REFIT_PHASE)
            folds.append(await optimize(judge_spec, loaded.examples, refit_split(splits),
                                        scorer=scorer, reflection=reflector, verify=verify,
                                        settings=settings, phase=_quiet))
    finally:
        for model in {id(v): v for v in roles.values()}.values():
            if not models or model not in models.values():
                await model.aclose()
    tracker.phase("finalizing")
    settled = [settle_fold(f, loaded.examples) for f in folds]
    check_measured([v for f, _ in settled for v in f.candidate_test])
    return _outcome(run_id, base, loaded, [f for f, _ in settled], budget, (scorer, verify),
                    config.strategies, [c for _, c in settled])


def refit_split(splits: Sequence[Split]) -> Split:
    """Every item of K folds: fold 1's validation part chooses, all the others train."""
    val = set(splits[0].val)
    everything = sorted({i for s in splits for i in (*s.train, *s.val, *s.test)})
    return Split(tuple(i for i in everything if i not in val), tuple(sorted(val)), ())


def _quiet(name: str) -> None:
    """Phases inside the refit stay under the refit phase."""


def _settings(store: Store, run_id: int) -> tuple[AlignConfig, JudgeSpec, int, str | None]:
    with store.session() as session:
        run = get_alignment_run(session, run_id)
        version = resolve(session, f"{run.judge}@{run.judge_version}")
        return (AlignConfig.model_validate(run.config), version.spec, run.judge_version_id,
                run.judge_criterion)


def _load(store: Store, config: AlignConfig, version_id: int, judge_criterion: str | None,
          model: str | None) -> Loaded:
    criterion = config.criterion or judge_criterion
    with store.session() as session:
        if config.dataset:
            loaded = load_dataset(session, config.dataset, criterion)
        else:
            loaded = load_runs(session, config.from_runs, version_id, criterion, model)
    if config.sample:
        loaded = sample_examples(loaded, config.sample, config.group_by, config.seed)
    return loaded


def _splits(examples: list[Example], config: AlignConfig) -> list[Split]:
    if config.folds:
        return kfold_splits(examples, config.folds, group_by=config.group_by, seed=config.seed)
    return [split_examples(examples, config.ratios, group_by=config.group_by, seed=config.seed)]


def _models(config: AlignConfig, base: JudgeSpec,
            given: Mapping[str, ModelAPI]) -> dict[str, ModelAPI]:
    names = {"judge": config.judge_model or base.model,
             "reflection": config.reflection_model or default_model()}
    names["verify"] = config.verify_model or names["judge"]
    opened: dict[str, ModelAPI] = {}
    roles: dict[str, ModelAPI] = {}
    for role in ("judge", "reflection", "verify"):
        if role in given:
            roles[role] = given[role]
            continue
        if role == "verify" and not config.verify_model:
            roles[role] = roles["judge"]
            continue
        # One object per model string: a local model is loaded once and shared by the roles.
        name = names[role]
        if name not in opened:
            opened[name] = resolve_model(name)
        roles[role] = opened[name]
    return roles


def _outcome(run_id: int, base: JudgeSpec, loaded: Loaded, folds: list[FoldResult],
             budget: Budget, scorers: tuple[Scorer, Scorer], strategies: Sequence[str],
             orders: Sequence[dict[str, Any] | None]) -> dict[str, Any]:
    """The outcome dict (`scorers`: the judge's and the verifier's; `strategies`: the
    chosen ones, which decide whether few disagreements deserve a warning; `orders`: each
    fold's order-policy choice, `align.order_policy`)."""
    scorer, verify = scorers
    examples = loaded.examples
    tested = [f for f in folds if f.split.test]
    kept = folds[-1] if len(tested) > 1 else folds[0]  # K folds: the refit on every item
    test_idx = [i for f in tested for i in f.split.test]
    train = [examples[i] for i in folds[0].split.train]
    test = [examples[i] for i in test_idx]
    base_test: list[Verdict] = [v for f in tested for v in f.base_test]
    cand_test: list[Verdict] = [v for f in tested for v in f.candidate_test]
    # Each fold's test verdicts are read with that fold's candidate (its threshold, scale).
    fold_specs = [f.candidate.spec for f in tested for _ in f.split.test]
    winner = kept.candidate
    stats = test_outcome(base, fold_specs, train, test, base_test, cand_test)
    stats["human_ceiling"] = human_ceiling(
        loaded.ratings, examples[0].scale, stats["candidate"].get("agreement"),
        (stats["trivial_baselines"].get("majority") or {}).get("agreement"))
    stats["raters"] = rater_outcome(test, base, fold_specs, base_test, cand_test)
    kept_order = orders[-1] if len(tested) > 1 else orders[0]
    stats["order_policy"] = order_outcome(
        kept_order, test, fold_specs, cand_test,
        [str(o["chosen"]) for f, o in zip(folds, orders, strict=True) if f.split.test and o])
    stats["recommended"], stats["recommendation"] = recommendation(stats)
    seconds = dict(scorer.seconds)
    for phase, value in verify.seconds.items():
        if verify is not scorer:
            seconds[phase] = seconds.get(phase, 0.0) + value
    notes = loaded.notes + [n for f in folds for n in f.notes]
    notes.extend(n for n in (test_error_note("baseline", base_test),
                             test_error_note("candidate", cand_test)) if n)
    order_warning = order_note(stats["order_policy"])
    if order_warning:
        notes.append(order_warning)
    if len(tested) > 1:
        notes.append(f"{len(tested)}-fold cross-validation: test figures pool every fold's "
                     "candidate on the items it never saw; the candidate saved was learned "
                     f"again from all {len(kept.split.train) + len(kept.split.val)} items "
                     "(its strategy may differ from a fold's)")
    traces = folds[0].traces
    return {
        "run": run_id, "status": "aligned", "criterion": loaded.criterion,
        "split": folds[0].split.sizes() if len(tested) == 1 else
        {"train": len(folds[0].split.train), "val": len(folds[0].split.val), "test": len(test)},
        "folds": len(tested),
        "disagreements": traces.disagreements, "agreeing_skipped": traces.agreeing_skipped,
        "errors_skipped": traces.errors_skipped,
        "traces_warning": traces.warning_for(strategies), "strategy": winner.strategy,
        "guidelines": winner.spec.guidelines, "threshold": winner.spec.threshold,
        "prompt_diff": prompt_diff(base, winner.spec),
        "checks": checks_listing(winner.spec, winner.val_verdicts),
        "validation": {"baseline": kept.base_val, "candidate": winner.val_agreement,
                       "curve": winner.curve},
        **stats,
        "details": winner.details, "notes": notes,
        "calls": budget.calls, "prompt_tokens": budget.prompt_tokens,
        "completion_tokens": budget.completion_tokens,
        # None, never a partial sum, when some call's cost is unknown (an unpriced model).
        "cost_usd": budget.cost_usd, "cost_unknown_calls": budget.unknown_calls,
        "per_phase": {p: dict(v, seconds=round(seconds.get(p, 0.0), 3))
                      for p, v in budget.phase_rows().items()},
        "test_items": [_id(e) for e in test],
        "split_items": {part: [_id(examples[i]) for i in getattr(folds[0].split, part)]
                        for part in ("train", "val", "test")},
        "candidate_spec": spec_to_dict(winner.spec),
    }


def _id(example: Example) -> int | str:
    return example.item.id if example.item.id is not None else example.item.external_id
