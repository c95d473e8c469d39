"""Decomposed judges: one short yes/no question per check, aggregated into one verdict.

A small model judges a whole rubric at chance but answers "does the response mention X?" well.
Each check is asked in its own call whose messages start with the same system text and the same
item text, and end with the question, so a provider with a prefix cache (the local model) reads
the item once and each further check costs only its question's few tokens.

`JudgeSpec.checks` for `kind="decomposed"`:

    questions          fixed yes/no questions (e.g. the criteria of a prompt), or
    rubric_field       an item field split per item into concepts (e.g. "grading_notes")
    split              how a rubric field is split: "rules" (default) or "model" (the judge's
                       model rewrites it as atomic points, one call per item; the rules are the
                       fallback when its answer lists none)
    glossary           the user's term → expansion mapping applied to every concept
    question_template  how a concept becomes a question (default: Does the response mention …?)
    context_fields     the item fields shown, in order (default: every field but the rubric)
    aggregation        see `evalign.judges.aggregate` (default: weakest check's P(yes) ≥ 0.5)
    calibration        numeric scales: a map of the aggregate onto the human 0–100 scale
                       (`evalign.judges.calibrated`), or {"method": "average", "members":
                       [{"aggregation": ..., "calibration": map or None}, ...]}: the mean of
                       several aggregates, each through its own map (`mapped_score_100`)
    content_free       true: each check is also asked of a content-free response ("N/A", the
                       item's other fields unchanged; one cached call per question and check),
                       and the rule reads the check as sigmoid(logit P(yes) - logit P(yes | N/A))
                       (`contrasted`): a check a small model answers yes to whatever the
                       response says no longer passes for free. Contextual calibration: Zhao et
                       al., "Calibrate Before Use", ICML 2021
    instruction_checklist
                       pairwise items: the model writes yes/no checks for the item's
                       instruction (one call), answers each for each output (the instruction
                       and that output as the shared prefix), and prefers the output whose mean
                       P(yes) is higher by more than `tie_margin` (default 0), else a tie;
                       with `questions` those are asked instead, and none is written
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from evalign.errors import ConfigError, ParseError
from evalign.items import Item
from evalign.judges import aggregate
from evalign.judges.calibrated import map_100, on_scale
from evalign.judges.glossary import check_glossary
from evalign.judges.rubric import (
    DEFAULT_QUESTION,
    MAX_POINTS,
    MAX_QUESTIONS,
    REFERENCE_QUESTION,
    Concept,
    expand_terms,
    is_reference_field,
    parse_points,
    parse_questions,
    question_for,
    split_prompt_for,
    split_references,
    split_rubric,
)
from evalign.judges.spec import CheckResult, JudgeSpec, Verdict
from evalign.providers.base import GenerateRequest, ModelAPI

CHECKLIST_PROMPT = (
    "Write at most {limit} yes/no questions that check whether a response follows the "
    "instruction below exactly: what it must contain, do and avoid. Each question starts with "
    "'Does the response', asks about one thing, and is answered yes by a response that follows "
    "the instruction. Write only the questions, one per line; do not answer them."
    "\n\nInstruction:\n{instruction}"
)
FALLBACK_CHECK = "Does the response do exactly what the instruction asks?"
CONTENT_FREE = "N/A"
"""The response a `content_free` check is also asked about (Zhao et al. 2021 use "N/A")."""
CLIP = 1e-4
_OUTPUTS = frozenset({"output", "response", "output_1", "output_2"})
SYSTEM = (
    "You check one point at a time. Read the text, then answer the question about it "
    "with exactly one word: Yes or No."
)
CHOICES = ("Yes", "No")
_LABELS = {"output": "Response", "response": "Response", "output_1": "Response 1",
           "output_2": "Response 2"}


async def score_decomposed(spec: JudgeSpec, item: Item, model: ModelAPI) -> Verdict:
    """Ask each check of `spec` about `item` and aggregate the answers into one verdict.

    Raises:
        ConfigError: the spec names no questions and no rubric field, or the item lacks it.
    """
    started = time.monotonic()
    if spec.checks.get("instruction_checklist") and item.output_2 is not None:
        return await score_instruction_checklist(spec, item, model)
    questions, prompt_tokens, completion_tokens = await item_questions(spec, item, model)
    if not questions:
        # Nothing to check is not "every check met": an empty rubric scores nothing.
        field = spec.checks.get("rubric_field")
        return Verdict(value=None, raw="", error_kind="empty",
                       error=f"empty: no checks for this item: its {field!r} field gives no "
                             "point to check (fill it in, or give the judge fixed questions)",
                       prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                       latency_s=time.monotonic() - started)
    prefixes = [context_text(spec, item)]
    if spec.checks.get("content_free"):
        prefixes.append(context_text(spec, item, output=CONTENT_FREE))
    # Every check about the response first, then every content-free one: a provider's prefix
    # cache then reads each prefix once.
    answers: list[list[float]] = []
    for prefix in prefixes:
        answers.append([])
        for question in questions:
            result = await model.generate(GenerateRequest(
                messages=[{"role": "system", "content": SYSTEM},
                          {"role": "user", "content": f"{prefix}\n\n{question} Answer Yes or No."}],
                params={"temperature": 0.0, "max_tokens": 2, **spec.params},
                choices=CHOICES,
                context=item.fields() | {"check": question,
                                         "content_free": str(len(answers) > 1)},
            ))
            prompt_tokens += result.prompt_tokens or 0
            completion_tokens += result.completion_tokens or 0
            p_yes = _p_yes(result.choice_probs, result.text)
            if p_yes is None:
                error = _unreadable(question, result.text)
                return Verdict(value=None, raw=result.text, error=str(error),
                               error_kind=error.kind, checks=_checks(questions, answers),
                               prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                               latency_s=time.monotonic() - started)
            answers[-1].append(p_yes)
    checks = _checks(questions, answers)
    return _verdict(spec, checks, prompt_tokens, completion_tokens, time.monotonic() - started)


def _checks(questions: list[str], answers: list[list[float]]) -> list[CheckResult]:
    """The checks answered so far: P(yes) about the response, and about no content when asked
    (`passed` is set by the rule, in `_verdict`)."""
    asked = answers[0] if answers else []
    nulls = answers[1] if len(answers) > 1 else []
    return [CheckResult(question=questions[i], passed=p >= 0.5, p_yes=p,
                        p_null=nulls[i] if i < len(nulls) else None)
            for i, p in enumerate(asked)]


def check_probability(spec: JudgeSpec, check: CheckResult) -> float:
    """The probability the rule reads for one check: its P(yes), or with `content_free`
    sigmoid(logit P(yes) − logit P(yes | N/A)); a check with no probability counts as its
    yes/no. A content-free answer of exactly 0 or 1 is a bare word from a provider that gave
    no probabilities (or cut the other choice from its top few): nothing to contrast with,
    so P(yes) is read alone."""
    if check.p_yes is None:
        return float(bool(check.passed))
    if not spec.checks.get("content_free") or check.p_null is None or check.p_null in (0.0, 1.0):
        return check.p_yes
    return contrasted(check.p_yes, check.p_null)


def contrasted(p_yes: float, p_null: float) -> float:
    """sigmoid(logit p_yes − logit p_null): 0.5 when the response earns the same yes as no
    content at all (both clipped to [1e-4, 1 − 1e-4] so that certainty stays finite)."""
    yes, null = (min(max(p, CLIP), 1.0 - CLIP) for p in (p_yes, p_null))
    odds = (yes / (1.0 - yes)) / (null / (1.0 - null))
    return odds / (1.0 + odds)


async def score_instruction_checklist(spec: JudgeSpec, item: Item, model: ModelAPI) -> Verdict:
    """A pairwise verdict from checks written for the item's instruction, asked of each output.

    Fixed `checks.questions` (a user's edit) replace the written checklist: they are asked of
    both outputs of every item and no checklist is written.
    """
    started = time.monotonic()
    fields = item.fields()
    names = spec.checks.get("context_fields") or [n for n in fields if n not in _OUTPUTS]
    instruction = "\n\n".join(fields[n] for n in names if n in fields and n not in _OUTPUTS)
    mode = spec.checks.get("pairwise_checks", "checklist")
    questions, tokens = [FALLBACK_CHECK], [0, 0]
    fixed = [str(q) for q in spec.checks.get("questions") or [] if q != FALLBACK_CHECK]
    if mode != "whole" and fixed:
        questions = [*fixed, FALLBACK_CHECK] if mode == "both" else fixed
    elif mode != "whole":
        written = await model.generate(GenerateRequest(
            messages=[{"role": "user", "content": CHECKLIST_PROMPT.format(
                limit=MAX_QUESTIONS, instruction=instruction)}],
            params={"temperature": 0.0, "max_tokens": 200}, context=fields | {"checklist": "1"}))
        listed = [q for q in parse_questions(written.text) if q != FALLBACK_CHECK]
        questions = [*listed, FALLBACK_CHECK] if mode == "both" else listed or [FALLBACK_CHECK]
        tokens = [written.prompt_tokens or 0, written.completion_tokens or 0]
    checks: list[CheckResult] = []
    for number, output in ((1, fields.get("output_1", "")), (2, fields.get("output_2", ""))):
        prefix = f"Instruction:\n{instruction}\n\nResponse:\n{output}"
        for question in questions:
            result = await model.generate(GenerateRequest(
                messages=[{"role": "system", "content": SYSTEM},
                          {"role": "user", "content": f"{prefix}\n\n{question} Answer Yes or No."}],
                params={"temperature": 0.0, "max_tokens": 2, **spec.params}, choices=CHOICES,
                context=fields | {"check": question, "output": output}))
            tokens[0] += result.prompt_tokens or 0
            tokens[1] += result.completion_tokens or 0
            p_yes = _p_yes(result.choice_probs, result.text)
            if p_yes is None:
                error = _unreadable(question, result.text)
                return Verdict(value=None, raw=result.text, error=str(error),
                               error_kind=error.kind, checks=checks, prompt_tokens=tokens[0],
                               completion_tokens=tokens[1], latency_s=time.monotonic() - started)
            checks.append(CheckResult(question=f"[output {number}] {question}",
                                      passed=p_yes >= 0.5, p_yes=p_yes))
    verdict = Verdict(value=None, checks=checks, prompt_tokens=tokens[0],
                      completion_tokens=tokens[1], latency_s=time.monotonic() - started)
    return pairwise_decision(spec, verdict)


def pairwise_decision(spec: JudgeSpec, verdict: Verdict) -> Verdict:
    """Re-decide an instruction-checklist verdict under `spec`'s `tie_margin` and
    `pairwise_checks` (no model call).

    `pairwise_checks` says which answers compare the outputs: `checklist` (the default) the
    written checks, `whole` only the whole-instruction check ("Does the response do exactly
    what the instruction asks?"), `both` all of them. A verdict asked with `both` can be
    re-decided under any of the three; with the written checks alone missing (the model wrote
    none), `checklist` falls back to the whole-instruction check, as the judge itself does.
    The returned verdict keeps only the answers that decided it.
    """
    mode = spec.checks.get("pairwise_checks", "checklist")
    means, kept = [], []
    for number in (1, 2):
        mine = [c for c in verdict.checks if c.question.startswith(f"[output {number}]")]
        whole = [c for c in mine if c.question == f"[output {number}] {FALLBACK_CHECK}"]
        listed = [c for c in mine if c not in whole]
        used = whole if mode == "whole" else mine if mode == "both" else listed or whole
        probs = [c.p_yes or 0.0 for c in used]
        means.append(sum(probs) / len(probs) if probs else 0.0)
        kept.extend(used)
    margin = float(spec.checks.get("tie_margin", 0.0))
    gap = means[0] - means[1]
    choice = 1 if gap > margin else 2 if -gap > margin else 0
    reasoning = (f"checks met: output 1 {means[0]:.2f}, output 2 {means[1]:.2f} "
                 f"(tie within {margin:.2f})")
    return replace(verdict, value=spec.scale.parse_value(str(choice)), reasoning=reasoning,
                   raw=reasoning, error=None, checks=kept)


def aggregate_verdict(spec: JudgeSpec, verdict: Verdict) -> Verdict:
    """Re-decide a decomposed verdict under `spec`'s aggregation, without calling the model."""
    return _verdict(spec, verdict.checks, verdict.prompt_tokens, verdict.completion_tokens,
                    verdict.latency_s)


def check_questions(spec: JudgeSpec, item: Item) -> list[str]:
    """The yes/no questions asked about `item`, splitting a rubric field by the rules."""
    config = spec.checks
    if config.get("questions"):
        return [str(q) for q in config["questions"]]
    return [question_for(c, _template(spec)) for c in _rule_points(spec, item)]


def _rule_points(spec: JudgeSpec, item: Item) -> list[Concept]:
    """The rules' points: sentences of reference answers, or the items of terse notes."""
    rubric = _rubric(spec, item)
    if is_reference_field(str(spec.checks.get("rubric_field"))):
        return split_references(rubric)
    return split_rubric(rubric, check_glossary(spec.checks.get("glossary")))


async def item_questions(spec: JudgeSpec, item: Item,
                         model: ModelAPI) -> tuple[list[str], int, int]:
    """The questions for `item`, with the tokens spent finding them (prompt, completion).

    With `checks.split == "model"` the judge's model rewrites the item's rubric as atomic
    points; an answer that lists no point falls back to the rule splitter, never to a guess.
    """
    if spec.checks.get("questions") or spec.checks.get("split", "rules") != "model":
        return check_questions(spec, item), 0, 0
    rubric = _rubric(spec, item)
    if not rubric.strip():
        return [], 0, 0  # never ask a model to find points in nothing
    glossary = check_glossary(spec.checks.get("glossary"))
    prompt, max_tokens = split_prompt_for(str(spec.checks["rubric_field"]))
    request = GenerateRequest(
        messages=[{"role": "user", "content": prompt.format(
            limit=MAX_POINTS, rubric=expand_terms(rubric, glossary),
            context=_task_text(spec, item))}],
        params={"temperature": 0.0, "max_tokens": max_tokens},
        context=item.fields() | {"split": rubric})
    result = await model.generate(request)
    points = parse_points(result.text)
    concepts = [Concept(expand_terms(p, glossary), p, False) for p in points] or \
        _rule_points(spec, item)
    return ([question_for(c, _template(spec)) for c in concepts],
            result.prompt_tokens or 0, result.completion_tokens or 0)


def _task_text(spec: JudgeSpec, item: Item) -> str:
    """The item's fields other than the response and the rubric (the question it answers),
    as the blocks a split prompt shows before the notes; empty when there are none."""
    fields = item.fields()
    names = [n for n in spec.checks.get("context_fields") or _default_fields(
        fields, spec.checks.get("rubric_field")) if n not in _OUTPUTS and n in fields]
    blocks = [f"{n.replace('_', ' ').capitalize()}:\n{fields[n]}" for n in names
              if n != spec.checks.get("rubric_field")]
    return "".join(f"{b}\n\n" for b in blocks)


def _template(spec: JudgeSpec) -> str:
    if spec.checks.get("question_template"):
        return str(spec.checks["question_template"])
    field = spec.checks.get("rubric_field")
    return REFERENCE_QUESTION if field and is_reference_field(str(field)) else DEFAULT_QUESTION


def _rubric(spec: JudgeSpec, item: Item) -> str:
    field = spec.checks.get("rubric_field")
    if not field:
        raise ConfigError("decomposed judge: set checks.questions or checks.rubric_field")
    fields = item.fields()
    if field not in fields:
        name = item.external_id or (str(item.id) if item.id is not None else "")
        where = f"item {name}" if name else "the item"
        raise ConfigError(
            f"decomposed judge: {where} has no field {field!r}, the rubric its checks are "
            f"drawn from (checks.rubric_field); {where} has "
            f"{', '.join(sorted(fields)) or '(none)'}. Give {where} a {field!r} field "
            f"(for a dataset: --map {field}=COLUMN on import)"
        )
    return fields[field]


def context_text(spec: JudgeSpec, item: Item, output: str | None = None) -> str:
    """The item text every check of the item shares (the cacheable prefix); with `output`,
    that text stands in for the response (the content-free prefix)."""
    fields = item.fields()
    if output is not None:
        fields = fields | {name: output for name in _OUTPUTS if name in fields}
    rubric = spec.checks.get("rubric_field")
    names = spec.checks.get("context_fields") or _default_fields(fields, rubric)
    blocks = []
    for name in names:
        if name in fields:
            label = _LABELS.get(name, name.replace("_", " ").capitalize())
            blocks.append(f"{label}:\n{fields[name]}")
    return "\n\n".join(blocks)


def _default_fields(fields: dict[str, str], rubric: Any) -> list[str]:
    outputs: list[str] = [n for n in ("output_1", "output_2") if n in fields] or ["output"]
    skip = {rubric, "output", "response", "output_1", "output_2"}
    return [n for n in fields if n not in skip] + outputs


def _p_yes(probs: Any, text: str) -> float | None:
    if probs:
        yes, no = float(probs.get("Yes", 0.0)), float(probs.get("No", 0.0))
        if yes + no > 0:
            return yes / (yes + no)
    word = text.strip().split()[0].strip(".,:;!\"'").lower() if text.strip() else ""
    return {"yes": 1.0, "no": 0.0}.get(word)


def _unreadable(question: str, text: str) -> ParseError:
    return ParseError(f"check {question!r}: answer {text[:80]!r} is neither Yes nor No", text)


def _verdict(spec: JudgeSpec, checks: list[CheckResult], prompt_tokens: int,
             completion_tokens: int, latency: float) -> Verdict:
    probs = [check_probability(spec, c) for c in checks]
    aggregation = spec.checks.get("aggregation") or {"method": "min_threshold", "threshold": 0.5}
    # A check is met at the rule's own cut when the rule has one per check (the weakest
    # check's threshold), else at 0.5, so that "missing" names what the rule counted.
    cut = float(aggregation.get("threshold", 0.5)) \
        if aggregation.get("method", "min_threshold") == "min_threshold" else 0.5
    checks = [replace(c, passed=p >= cut) for c, p in zip(checks, probs, strict=True)]
    if spec.scale.group == "numeric":
        return _numeric_verdict(spec, checks, probs, (prompt_tokens, completion_tokens), latency)
    passed = aggregate.decide(aggregation, probs)
    failed = [c.question for c in checks if not c.passed]
    reasoning = ("missing: " + "; ".join(failed)) if failed else "every check answered yes" \
        if passed else (f"every check met on its own, but together below the rule "
                        f"({aggregation.get('method')})")
    value = spec.scale.parse_value("pass" if passed else "fail") if spec.scale.kind in (
        "pass_fail", "thumbs") else ("pass" if passed else "fail")
    return Verdict(
        value=value, reasoning=reasoning, raw=reasoning, p_pass=aggregate.score(aggregation, probs),
        checks=list(checks), prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
        latency_s=latency,
    )


def check_score_100(spec: JudgeSpec, checks: list[CheckResult]) -> float:
    """The checks' aggregate on 0–100, before any calibration (a numeric judge's raw score)."""
    probs = [check_probability(spec, c) for c in checks]
    aggregation = spec.checks.get("aggregation") or {"method": "mean"}
    return 100.0 * aggregate.score(aggregation, probs)


def mapped_score_100(calibration: dict[str, Any] | None, probs: list[float],
                     raw: float) -> float:
    """The score on the human 0–100 scale: `raw` through the calibration's map, or, for an
    `average` calibration, the mean of its members' scores (each its own aggregation of
    `probs`, through its own map or raw).

    Raises:
        ConfigError: an `average` calibration without members, or a map without knots.
    """
    if not calibration:
        return raw
    if calibration.get("method") != "average":
        return map_100(calibration, raw)
    members = calibration.get("members") or []
    if not members:
        raise ConfigError("judge calibration: an average needs members (re-run the alignment)")
    scores = []
    for member in members:
        own = 100.0 * aggregate.score(member.get("aggregation") or {"method": "mean"}, probs)
        scores.append(map_100(member["calibration"], own) if member.get("calibration") else own)
    return sum(scores) / len(scores)


def _numeric_verdict(spec: JudgeSpec, checks: list[CheckResult], probs: list[float],
                     tokens: tuple[int, int], latency: float) -> Verdict:
    """A score on the judge's numeric scale: the checks' aggregate (default: the mean P(yes)),
    mapped through the alignment's calibration when it learned one."""
    raw = check_score_100(spec, checks)
    mapped = mapped_score_100(spec.checks.get("calibration"), probs, raw)
    failed = [c.question for c in checks if not c.passed]
    reasoning = (f"checks met {raw:.0f}/100 ({len(checks) - len(failed)} of {len(checks)} "
                 "answered yes)" + ("; missing: " + "; ".join(failed) if failed else ""))
    return Verdict(
        value=on_scale(spec.scale, mapped),
        reasoning=reasoning, raw=reasoning, checks=list(checks), prompt_tokens=tokens[0],
        completion_tokens=tokens[1], latency_s=latency,
    )
