"""Scoring one item with one judge version: prompt, code, pairwise with position swap, decomposed.

`score_item` never raises for a failed model call or an unreadable answer: it returns a `Verdict`
whose `error` says what happened (and keeps the raw text). Retries, rate limits and the cache
live in the model wrapper the runner passes in (`evalign.runner.calls.ManagedModel`).
"""

from __future__ import annotations

import inspect
import time
from dataclasses import replace
from typing import Any

from evalign.errors import ConfigError, ParseError, ProviderError
from evalign.items import Item
from evalign.judges.calibrated import calibrated_value
from evalign.judges.code import CodeJudges
from evalign.judges.decomposed import score_decomposed
from evalign.judges.pairwise import asks_both_orders, combine_orders, order_policy
from evalign.judges.parse import asked_vocabulary, parse_answer
from evalign.judges.prompt import build_request
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.providers.base import GenerateRequest, GenerateResult, ModelAPI

_NUDGE = ("Your answer could not be read. Answer again, following the answer format exactly.")


async def score_item(spec: JudgeSpec, item: Item, model: ModelAPI | None, *,
                     code_judges: CodeJudges | None = None) -> Verdict:
    """One verdict of `spec` on `item`.

    Raises:
        ConfigError: the template names a field the item lacks, or no model was given.
    """
    if spec.kind == "code":
        return await score_code(spec, item, code_judges or CodeJudges())
    if model is None:
        raise ConfigError(f"a {spec.kind} judge needs a model")
    if spec.kind == "decomposed":
        decomposed: Verdict = await score_decomposed(spec, item, model)
        return decomposed
    if asks_both_orders(spec) and item.output_2 is not None:
        return await score_pairwise(spec, item, model)
    return await score_prompt(spec, item, model)


async def score_prompt(spec: JudgeSpec, item: Item, model: ModelAPI, *,
                       swap: bool = False) -> Verdict:
    """Ask the model once (plus one retry for an unreadable answer) and read its verdict."""
    started = time.perf_counter()
    request = build_request(spec, item, swap=swap)
    results: list[GenerateResult] = []
    try:
        results.append(await model.generate(request))
        try:
            verdict = _read(spec, results[-1])
        except ParseError:
            results.append(await model.generate(_nudged(request, results[-1].text)))
            verdict = _read(spec, results[-1])
    except ParseError as exc:
        verdict = Verdict(value=None, raw=exc.raw, error=str(exc), error_kind=exc.kind)
    except ProviderError as exc:
        raw = results[-1].text if results else ""
        verdict = Verdict(value=None, raw=raw, error=str(exc) or type(exc).__name__,
                          error_kind=exc.kind)
    return _account(verdict, results, started, item)


async def score_pairwise(spec: JudgeSpec, item: Item, model: ModelAPI) -> Verdict:
    """Judge both orders; a consistent preference wins, an inconsistent one is a tie or no
    verdict, by the judge's order policy (`judges.pairwise`)."""
    policy = order_policy(spec)
    first = await score_prompt(spec, item, model)
    second = await score_prompt(spec, item, model, swap=True)
    return combine_orders(first, second, policy)


async def score_code(spec: JudgeSpec, item: Item, code_judges: CodeJudges) -> Verdict:
    """Call the registered function; its exceptions become an error verdict."""
    started = time.perf_counter()
    function = code_judges.get(spec.prompt)
    try:
        answer: Any = function(item)
        if inspect.isawaitable(answer):
            answer = await answer
    except Exception as exc:  # a user's function: any failure is that item's error
        return Verdict(value=None, error=f"{type(exc).__name__}: {exc}", error_kind="code_error",
                       latency_s=time.perf_counter() - started, item_id=item.id)
    if isinstance(answer, Verdict):
        return replace(answer, item_id=item.id)
    raw, reasoning = (answer.get("value"), str(answer.get("reasoning", ""))) \
        if isinstance(answer, dict) else (answer, "")
    try:
        value = spec.scale.parse_value(raw)
    except ValueError as exc:
        return Verdict(value=None, raw=repr(raw), error=f"code judge returned {exc}",
                       error_kind="unparseable", item_id=item.id)
    return Verdict(value=value, reasoning=reasoning, raw=repr(raw), item_id=item.id,
                   latency_s=time.perf_counter() - started)


def _read(spec: JudgeSpec, result: GenerateResult) -> Verdict:
    parsed = parse_answer(result.text, spec.scale, vocabulary=asked_vocabulary(spec.prompt))
    p_pass = _p_pass(result)
    value = parsed.value
    if spec.threshold is not None and p_pass is not None and spec.scale.kind == "pass_fail":
        value = "pass" if p_pass >= spec.threshold else "fail"
    if spec.checks.get("calibration") and value is not None and spec.scale.group == "numeric":
        value = calibrated_value(spec.checks["calibration"], spec.scale, value)
    return Verdict(value=value, reasoning=parsed.reasoning, raw=result.text, p_pass=p_pass)


def _p_pass(result: GenerateResult) -> float | None:
    if not result.choice_probs:
        return None
    probs = {k.upper(): v for k, v in result.choice_probs.items()}
    return probs.get("PASS")


def _nudged(request: GenerateRequest, answer: str) -> GenerateRequest:
    messages = [*request.messages, {"role": "assistant", "content": answer},
                {"role": "user", "content": _NUDGE}]
    return replace(request, messages=messages)


def _account(verdict: Verdict, results: list[GenerateResult], started: float,
             item: Item) -> Verdict:
    verdict.attempts = max(1, len(results))
    verdict.prompt_tokens = sum(r.prompt_tokens or 0 for r in results)
    verdict.completion_tokens = sum(r.completion_tokens or 0 for r in results)
    verdict.latency_s = time.perf_counter() - started
    verdict.item_id = item.id
    return verdict
