"""The `decompose` strategy: one yes/no question per rubric point, aggregation learned.

Where the rubric lives in an item field (grading notes, a checklist), each item's rubric is split
into concepts (by the judge's model, with the rules as fallback, or by the rules alone), with the
user's glossary spelling out their shorthand. Where there is no per-item rubric, the reflection
model writes one checklist from the criterion *and* the training disagreements: what the humans'
reasons say the judge missed. On pairwise data the judge's model writes yes/no checks for
each item's instruction, answers them for both outputs, and prefers the output that meets more
(a tie within a margin chosen on train).
The judge model answers every check on train and validation items once; the aggregation (all
checks pass, a cut on the weakest check's P(yes) or on their geometric mean, a count of failed
checks, or a small logistic model) is chosen by grouped cross-validation over the train and
validation items (train → validation when no groups are known), then refitted on both.
With `rubric_split="auto"` (the default) a per-item rubric is split both by the model and by the
rules, and the split that cross-validates better is kept.

On a numeric scale (a 0–100 rating against numeric human labels) the checks' mean P(yes),
geometric mean or share answered yes is the raw score, mapped onto the human scale by an isotonic
or linear fit; the pair is chosen by grouped cross-validation on the mean absolute error. A field
of reference answers is split into the key facts the references share, one check per fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from evalign.align import aggregate
from evalign.align.examples import Example
from evalign.align.guards import Budget
from evalign.align.reflection import Reflector
from evalign.align.scoring import Scorer, agreement
from evalign.align.strategies.base import Candidate, Context, Part
from evalign.align.traces import OUTPUT_FIELDS, Trace, template_fields
from evalign.judges.decomposed import (
    aggregate_verdict,
    check_probability,
    check_questions,
    pairwise_decision,
)
from evalign.judges.rubric import MAX_QUESTIONS, is_reference_field, parse_questions
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.providers.base import GenerateRequest

RUBRIC_HINTS = ("grading_notes", "rubric", "criteria", "checklist", "notes")
TRACES_SHOWN = 6
TIE_MARGINS = (0.0, 0.05, 0.1, 0.2, 0.3)
PAIRWISE_CHECKS = ("checklist", "whole", "both")
"""Which answers compare two outputs (`evalign.judges.decomposed.pairwise_decision`)."""
SPLITS = ("model", "rules")
"""The ways a per-item rubric is split; `auto` tries each and keeps the better (rules on ties)."""
TRACE_CHARS = 700
_LIST_PROMPT = (
    "Write a checklist for judging responses by the criterion below: at most {limit} short "
    "yes/no questions about one response, each starting with 'Does the response', that together "
    "decide whether it meets the criterion. A 'yes' must always be the good answer.{cases}\n\n"
    "Criterion:\n{prompt}\n\nOne question per line, nothing else."
)
_CASES = (
    " Below are cases where an automatic judge disagreed with human experts; include questions "
    "that catch what the experts' reasons say the judge missed, phrased generally (never name "
    "anything specific to these cases).\n\n{traces}"
)


class DecomposeOptimizer:
    """Build a decomposed judge from a prompt judge and learn its aggregation."""

    name = "decompose"
    phase = "decomposing into checks"

    def __init__(self, *, methods: Sequence[str] = aggregate.METHODS):
        self.methods = tuple(methods)

    async def optimize(self, judge: JudgeSpec, train: Part, val: Part,
                       ctx: Context) -> Candidate:
        """Score every check once on train and validation, then learn the aggregation."""
        work = _Decomposition(ctx.scorer, train.pool, train.indices, val.indices,
                              reflection=ctx.reflection, methods=self.methods,
                              groups=ctx.groups, seed=ctx.seed, traces=ctx.traces,
                              glossary=ctx.glossary, split=ctx.rubric_split, phase=self.phase,
                              fixed=ctx.checks)
        return await work.align(judge, train.examples, val.examples, ctx.budget)


class _Decomposition:
    """One decomposition: a judge, its train and validation items, and the run's options."""

    name = DecomposeOptimizer.name

    def __init__(self, scorer: Scorer, examples: Sequence[Example], train_idx: Sequence[int],
                 val_idx: Sequence[int], *, reflection: Reflector | None = None,
                 methods: Sequence[str] = aggregate.METHODS,
                 groups: Sequence[str] | None = None, seed: int = 0,
                 traces: Sequence[Trace] = (), glossary: dict[str, str] | None = None,
                 split: str = "auto", phase: str = "decomposing into checks",
                 fixed: dict[str, Any] | None = None):
        self.scorer, self.examples, self.phase = scorer, examples, phase
        self.train_idx, self.val_idx = list(train_idx), list(val_idx)
        self.reflection, self.methods = reflection, tuple(methods)
        self.groups, self.seed = groups, seed
        self.traces, self.glossary, self.split = list(traces), dict(glossary or {}), split
        self.fixed = dict(fixed or {})
        self.notes: list[str] = []

    async def align(self, base: JudgeSpec, train: Sequence[Example], val: Sequence[Example],
                    budget: Budget) -> Candidate:
        """Score every check once on train and validation, then learn the aggregation."""
        if base.scale.kind == "pairwise":
            return await self._pairwise(base, val)
        numeric = base.scale.group == "numeric" and bool(val) and val[0].scale.group == "numeric"
        notes = []
        if base.scale.group == "numeric" and not numeric and val and val[0].scale.to_pass(
                val[0].label) is not None:
            # A score has no human scale to be mapped onto: the checks decide pass or fail
            # under the learned rule, on the labels' own scale, or the rule would be lost.
            base = base.model_copy(update={"scale": val[0].scale})
            notes.append(f"the candidate answers on the labels' scale ({val[0].scale.kind}), "
                         "not a number: its checks decide pass or fail")
        splits = [self.split]
        if "questions" in self.fixed:
            splits = [SPLITS[0]]  # fixed questions split nothing
        elif self.split == "auto":
            has_rubric = rubric_field(template_fields(base.prompt)) is not None
            splits = list(SPLITS) if has_rubric else [SPLITS[0]]
        found: list[Candidate] = []
        for split in splits:
            checks = await self.checks_config(base, budget, split=split)
            found.append(await (self._numeric(base, val, checks) if numeric
                                else self._pass_fail(base, val, checks)))
        best = _best_split(found, splits)
        best.notes.extend([*notes, *dict.fromkeys(self.notes)])
        return best

    def _note_fallbacks(self, spec: JudgeSpec, indices: Sequence[int],
                        verdicts: Sequence[Verdict]) -> None:
        """Say how many items the model split left to the rules (its answer listed no point),
        found by comparing each item's questions with the rules' (no model call)."""
        if spec.checks.get("split") != "model":
            return
        rules = spec.model_copy(update={"checks": spec.checks | {"split": "rules"}})
        asked = [(i, v) for i, v in zip(indices, verdicts, strict=True) if v.checks]
        fell = sum(1 for i, v in asked if [c.question for c in v.checks] ==
                   check_questions(rules, self.examples[i].item))
        if fell:
            self.notes.append(f"model split: for {fell} of {len(asked)} train/validation "
                              "items the model's answer listed no point, and the rules split "
                              "their rubric")

    def _note_unreadable(self, verdicts: Sequence[Verdict], split: str | None) -> None:
        """Say so when no train or validation item got a readable answer to its checks."""
        if verdicts and all(v.value is None for v in verdicts):
            how = f" (split: {split})" if split else ""
            first = next((v.error for v in verdicts if v.error), "no error text")
            self.notes.append(f"no train or validation item got readable check answers{how}; "
                              f"the first error: {first}")

    async def _pass_fail(self, base: JudgeSpec, val: Sequence[Example],
                         checks: dict[str, Any]) -> Candidate:
        """Checks answered once on train and validation; the aggregation learned on them."""
        spec = JudgeSpec(kind="decomposed", prompt=base.prompt, scale=base.scale,
                         model=base.model, params={}, checks=checks | {"content_free": True})
        fitted = await self.scorer.score(spec, self.examples, self.train_idx)
        val_raw = await self.scorer.score(spec, self.examples, self.val_idx)
        self._note_unreadable([*fitted, *val_raw], checks.get("split"))
        self._note_fallbacks(spec, self.train_idx + self.val_idx, [*fitted, *val_raw])
        learned = {on: self._learn(_reading(spec, on), fitted, val_raw) for on in (False, True)}
        # Reading checks against no content must win outright: it costs a call per check.
        content_free = max((False, True), key=lambda on: (_kept_agreement(learned[on][1]),
                                                          not on))
        chosen, scores = learned[content_free]
        final = _reading(spec, content_free)
        final = final.model_copy(update={"checks": final.checks | {"aggregation": chosen}})
        val_verdicts = [aggregate_verdict(final, v) if v.value is not None else v
                        for v in val_raw]
        # The honest figure: the chosen method scored on items it was not fitted on.
        honest = _kept_agreement(scores) if scores else agreement(final, val, val_verdicts)
        curve = [{"strategy": self.name, "round": i + 1, "method": m, "val_agreement": s}
                 for i, (m, s) in enumerate(scores.items()) if m != "selected"]
        return Candidate(final, self.name, honest, val_verdicts, curve=curve,
                         details={"aggregation": chosen, "method_val_agreement": scores,
                                  "content_free": content_free,
                                  "content_free_val_agreement": {
                                      "off": _kept_agreement(learned[False][1]),
                                      "on": _kept_agreement(learned[True][1])},
                                  "checks_per_item": _mean_checks(fitted + val_raw)})

    async def _pairwise(self, base: JudgeSpec, val: Sequence[Example]) -> Candidate:
        """Checks written per instruction (or the run's fixed questions) plus the
        whole-instruction check, asked of each output; which answers compare the outputs
        (`pairwise_checks`) and the tie margin are fitted on train (validation scores the
        pair), then refitted on train + validation."""
        shown = [f for f in template_fields(base.prompt) if f not in OUTPUT_FIELDS]
        # Fixed questions (`--checks`) are asked of both outputs in place of written checklists.
        fixed = {"questions": list(self.fixed["questions"])} if "questions" in self.fixed else {}
        spec = JudgeSpec(kind="decomposed", prompt=base.prompt, scale=base.scale,
                         model=base.model, params={},
                         checks={"instruction_checklist": True, "context_fields": shown,
                                 "pairwise_checks": "both", **fixed})
        fitted = await self.scorer.score(spec, self.examples, self.train_idx)
        val_raw = await self.scorer.score(spec, self.examples, self.val_idx)
        choices = [(mode, margin) for mode in PAIRWISE_CHECKS for margin in TIE_MARGINS]

        def trial(choice: tuple[str, float]) -> JudgeSpec:
            mode, margin = choice
            return spec.model_copy(update={"checks": spec.checks | {
                "pairwise_checks": mode, "tie_margin": margin}})

        def hits(choice: tuple[str, float], indices: Sequence[int],
                 verdicts: Sequence[Verdict]) -> float:
            decided = [pairwise_decision(trial(choice), v) if v.checks else v for v in verdicts]
            return agreement(trial(choice), [self.examples[i] for i in indices], decided)

        # Ties go to the earlier mode (the written checklist) and the smaller margin.
        def rank(choice: tuple[str, float], indices: Sequence[int],
                 verdicts: Sequence[Verdict]) -> tuple[float, int, float]:
            return (hits(choice, indices, verdicts), -PAIRWISE_CHECKS.index(choice[0]),
                    -choice[1])

        train_best = max(choices, key=lambda c: rank(c, self.train_idx, fitted))
        honest = hits(train_best, self.val_idx, val_raw)
        both = self.train_idx + self.val_idx
        chosen = max(choices, key=lambda c: rank(c, both, [*fitted, *val_raw]))
        final = trial(chosen)
        val_verdicts = [pairwise_decision(final, v) if v.checks else v for v in val_raw]
        by_mode = {mode: hits((mode, chosen[1]), both, [*fitted, *val_raw])
                   for mode in PAIRWISE_CHECKS}
        return Candidate(final, self.name, honest, val_verdicts,
                         curve=[{"strategy": self.name, "round": 1, "method": "tie_margin",
                                 "val_agreement": honest, "tie_margin": train_best[1],
                                 "pairwise_checks": train_best[0]}],
                         details={"tie_margin": chosen[1], "pairwise_checks": chosen[0],
                                  "pairwise_checks_agreement": by_mode,
                                  "checks_per_item": _mean_checks(fitted + val_raw)})

    async def _numeric(self, base: JudgeSpec, val: Sequence[Example],
                       checks: dict[str, Any]) -> Candidate:
        """Checks answered once on train and validation; how they become a score on the human
        scale (mean, geometric mean or share of checks met, raw or through a monotone map) is
        chosen by grouped cross-validation on MAE, then refitted on both."""
        spec = JudgeSpec(kind="decomposed", prompt=base.prompt, scale=base.scale,
                         model=base.model, params={},
                         checks=checks | {"aggregation": {"method": "mean"},
                                          "content_free": True})
        idx = self.train_idx + self.val_idx
        verdicts = [*await self.scorer.score(spec, self.examples, self.train_idx),
                    *await self.scorer.score(spec, self.examples, self.val_idx)]
        self._note_unreadable(verdicts, checks.get("split"))
        self._note_fallbacks(spec, idx, verdicts)
        learned = {on: self._learn_numeric(_reading(spec, on), idx, verdicts)
                   for on in (False, True)}
        # Reading checks against no content must win outright: it costs a call per check.
        content_free = min((False, True), key=lambda on: (_mae_rank(learned[on][2]), on))
        aggregation, calibration, maes = learned[content_free]
        mapped = {"calibration": calibration} if calibration else {}
        final = _reading(spec, content_free)
        final = final.model_copy(update={"checks": final.checks | {"aggregation": aggregation}
                                         | mapped})
        val_verdicts = [aggregate_verdict(final, v) if v.value is not None else v
                        for v in verdicts[len(self.train_idx):]]
        curve = [{"strategy": self.name, "round": i + 1, "method": m, "val_agreement": None,
                  "val_mae": v} for i, (m, v) in enumerate(maes.items()) if m != "selected"]
        return Candidate(final, self.name, agreement(final, val, val_verdicts), val_verdicts,
                         curve=curve, val_mae=_kept_mae(maes),
                         details={"aggregation": aggregation, "calibration": calibration,
                                  "val_mae": maes, "content_free": content_free,
                                  "content_free_val_mae": {
                                      "off": _kept_mae(learned[False][2]),
                                      "on": _kept_mae(learned[True][2])},
                                  "checks_per_item": _mean_checks(verdicts)})

    def _learn_numeric(self, spec: JudgeSpec, idx: Sequence[int], verdicts: Sequence[Verdict],
                       ) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, float]]:
        """`aggregate.learn_numeric` on the checks as `spec` reads them."""
        rows = [(p, self.examples[i].score100, i) for p, i in zip(_probs(verdicts, spec), idx,
                                                                  strict=True)
                if p and self.examples[i].score100 is not None]
        groups = None if self.groups is None else [self.groups[i] for _, _, i in rows]
        return aggregate.learn_numeric(
            [p for p, _, _ in rows], [float(h or 0.0) for _, h, _ in rows], groups,
            seed=self.seed)

    def _learn(self, spec: JudgeSpec, train_verdicts: Sequence[Verdict],
               val_verdicts: Sequence[Verdict]) -> tuple[dict[str, Any], dict[str, float]]:
        """Grouped cross-validation over train + val when groups are known, else train → val,
        on the checks as `spec` reads them."""
        idx = self.train_idx + self.val_idx
        rows = [(p, self.examples[i].passed, i) for p, i in
                zip(_probs([*train_verdicts, *val_verdicts], spec), idx, strict=True) if p]
        n_train = sum(1 for _, _, i in rows if i in set(self.train_idx))
        probs, labels = [p for p, _, _ in rows], [y for _, y, _ in rows]
        if self.groups is not None:
            return aggregate.learn_cv(probs, labels, [self.groups[i] for _, _, i in rows],
                                      self.methods, seed=self.seed)
        return aggregate.learn(probs[:n_train], labels[:n_train], probs[n_train:],
                               labels[n_train:], self.methods)

    async def checks_config(self, base: JudgeSpec, budget: Budget, *,
                            split: str | None = None) -> dict[str, Any]:
        """The `checks` block: a rubric field split per item (`split`: model or rules, default
        the run's), or questions from the prompt."""
        fields = template_fields(base.prompt)
        rubric = rubric_field(fields)
        shown = [f for f in fields if f not in OUTPUT_FIELDS and f != rubric]
        extra: dict[str, Any] = {"glossary": self.glossary} if self.glossary else {}
        if "question_template" in self.fixed:
            extra["question_template"] = self.fixed["question_template"]
        if "questions" in self.fixed:
            # The user's questions are asked of every item; a rubric is context, not split.
            context = [f for f in fields if f not in OUTPUT_FIELDS]
            return {"questions": list(self.fixed["questions"]),
                    "context_fields": [*context, "output"], **extra}
        if rubric is not None:
            chosen = split or (SPLITS[0] if self.split == "auto" else self.split)
            return {"rubric_field": rubric, "context_fields": [*shown, "output"],
                    "split": chosen, **extra}
        return {"questions": await self._questions_from_prompt(base, budget),
                "context_fields": [*shown, "output"], **extra}

    async def _questions_from_prompt(self, base: JudgeSpec, budget: Budget) -> list[str]:
        """A checklist from the criterion and the train disagreements (never held-out items)."""
        whole = [f"Does the response meet this requirement: {_strip_fields(base.prompt).strip()}"]
        if self.reflection is None:
            return whole
        request = GenerateRequest(messages=[{"role": "user", "content": checklist_prompt(
            base.prompt, self.traces)}], params={"temperature": 0.0, "max_tokens": 300})
        result = await self.reflection.ask(request, self.phase)
        questions = parse_questions(result.text)
        if not questions:
            self.notes.append("the reflection model wrote no yes/no question (its answer began "
                              f"{result.text[:80]!r}); one check asks the whole criterion")
        return questions or whole


def _best_split(found: Sequence[Candidate], splits: Sequence[str]) -> Candidate:
    """The candidate whose rubric split did best on items it was not fitted on (a lower MAE on
    numeric scales, else a higher agreement; ties: the rules, which need no model call to split
    a rubric when the judge runs), with every split's figure in its details."""
    if len(found) == 1:
        return found[0]

    def figure(c: Candidate) -> float:
        value = -c.val_mae if c.val_mae is not None else c.val_agreement
        return value if value == value else float("-inf")

    best = max(range(len(found)), key=lambda i: (figure(found[i]), splits[i] == "rules", -i))
    chosen = found[best]
    chosen.details["split_choice"] = {
        split: (c.val_mae if c.val_mae is not None else c.val_agreement)
        for split, c in zip(splits, found, strict=True)}
    for split, c in zip(splits, found, strict=True):
        chosen.curve.extend(dict(point, split=split) for point in c.curve if c is not chosen)
    chosen.curve[:] = [dict(p, split=p.get("split", splits[best])) for p in chosen.curve]
    return chosen


def checklist_prompt(prompt: str, traces: Sequence[Trace]) -> str:
    """What the reflection model reads to write a checklist: criterion, then disagreements.

    The cases shown are training disagreements that carry a human reason first (those say
    what the judge missed), at most `TRACES_SHOWN`, each cut to `TRACE_CHARS`.
    """
    ordered = sorted(traces, key=lambda t: not t.human_reasoning)[:TRACES_SHOWN]
    cases = "\n\n".join(f"Case {n}:\n{_clip(t.to_text())}" for n, t in enumerate(ordered, 1))
    return _LIST_PROMPT.format(limit=MAX_QUESTIONS, prompt=_strip_fields(prompt).strip(),
                               cases=_CASES.format(traces=cases) if ordered else "")


def _clip(text: str) -> str:
    return text if len(text) <= TRACE_CHARS else text[:TRACE_CHARS] + " […]"


def rubric_field(fields: Sequence[str]) -> str | None:
    """The template field that holds a per-item rubric or reference answers, if any.

    A name matches a hint exactly or as its last `_` part (`grading_notes`, `my_rubric`), so
    `footnotes` or `criteria_version` are not taken for a rubric; notes come before references.
    """
    for hint in RUBRIC_HINTS:
        for name in fields:
            if name not in OUTPUT_FIELDS and (name.lower() == hint
                                              or name.lower().endswith("_" + hint)):
                return name
    return next((n for n in fields if n not in OUTPUT_FIELDS and is_reference_field(n)), None)


def _probs(verdicts: Sequence[Verdict], spec: JudgeSpec) -> list[list[float]]:
    """Each verdict's checks as `spec` reads them (empty for an unreadable verdict)."""
    return [[check_probability(spec, c) for c in v.checks] if v.value is not None else []
            for v in verdicts]


def _kept_agreement(scores: dict[str, float]) -> float:
    """The validation agreement of the aggregation kept: scored on folds its choice never saw
    (nested, key `selected`) when known, else the best method's own figure (-1 when none)."""
    return scores.get("selected", max(scores.values(), default=-1.0))


def _kept_mae(maes: dict[str, float]) -> float | None:
    """The validation MAE of what `learn_numeric` kept, scored where its choice never looked
    (nested folds); else the average's, or the best choice's, own out-of-fold figure (None
    when nothing could be scored)."""
    finite = [v for v in maes.values() if v == v]
    return maes.get("selected", maes.get("average", min(finite, default=None)))


def _mae_rank(maes: dict[str, float]) -> float:
    """`_kept_mae` for ordering: a choice with no figure ranks last (an MAE of 0 ranks first)."""
    kept = _kept_mae(maes)
    return float("inf") if kept is None else kept


def _reading(spec: JudgeSpec, content_free: bool) -> JudgeSpec:
    """`spec` reading its checks against a content-free response, or not."""
    return spec.model_copy(update={"checks": spec.checks | {"content_free": content_free}})


def _mean_checks(verdicts: Sequence[Verdict]) -> float:
    counts = [len(v.checks) for v in verdicts if v.value is not None]
    return sum(counts) / len(counts) if counts else float("nan")


def _strip_fields(prompt: str) -> str:
    return re.sub(r"\{[^{}]*\}", "…", prompt)
