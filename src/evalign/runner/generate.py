"""The output source: fill a copy of a dataset with outputs written by a model.

Each item's chat messages are its `messages` input when it has one, else its question-like
input (`input`, `question`, `prompt`, `instruction`, `query`, with `context` before it when
present), else all its inputs. Generation happens first; the new dataset is then written in one
transaction, so a failure leaves nothing half-written. Labels are not copied: they judged the
old outputs.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from typing import Any

from evalign.data.records import Row
from evalign.errors import ConfigError, ProviderError
from evalign.items import Item, as_text
from evalign.providers.base import GenerateRequest
from evalign.runner.cache import AnswerCache
from evalign.runner.calls import CallStats, ManagedModel, counting
from evalign.runner.executor import AsyncioExecutor
from evalign.runner.models import resolve_model
from evalign.store import Store
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_items import get_dataset, iter_items
from evalign.store.repo_writes import write_dataset

_QUESTION_KEYS = ("input", "question", "prompt", "instruction", "query")


@dataclass(frozen=True)
class GenerateSummary:
    """What `generate_outputs` did."""

    dataset: str
    source: str
    model: str
    items: int
    errors: int
    calls: int
    prompt_tokens: int
    completion_tokens: int
    wall_s: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


def generate_outputs(store: Store, dataset: str, *, model: str, into: str,
                     system_prompt: str | None = None, params: dict[str, Any] | None = None,
                     concurrency: int | None = None, use_cache: bool = True) -> GenerateSummary:
    """Write dataset `into`: the items of `dataset` with outputs from `model`.

    Raises:
        NotFoundError: no such dataset.
        ConflictError: `into` exists.
    """
    with store.session() as session:
        source = get_dataset(session, dataset)
        items = list(iter_items(session, source.id))
        kind = source.kind
    if kind == "pairwise":
        raise ConfigError(f"dataset {dataset!r} is pairwise: generate fills single outputs")
    started = time.perf_counter()
    managed = ManagedModel(resolve_model(model), concurrency=concurrency,
                           cache=AnswerCache(store) if use_cache else None)
    stats = CallStats()
    outputs, tokens = asyncio.run(_generate(managed, items, system_prompt, params or {}, stats))
    rows = [Row(_filled(item, out)) for item, out in zip(items, outputs, strict=True)]
    with store.session() as session:
        write_dataset(session, into, rows, Criteria(session), kind="single",
                      source={"generated_from": dataset, "model": model,
                              "system_prompt": system_prompt or ""})
    return GenerateSummary(
        dataset=into, source=dataset, model=model, items=len(items),
        errors=sum(1 for out in outputs if isinstance(out, ProviderError)), calls=stats.calls,
        prompt_tokens=tokens[0], completion_tokens=tokens[1],
        wall_s=round(time.perf_counter() - started, 3))


def messages_for(item: Item, system_prompt: str | None = None) -> list[dict[str, Any]]:
    """The chat messages that ask a model for this item's output."""
    messages: list[dict[str, Any]] = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    given = item.inputs.get("messages")
    if isinstance(given, list) and given:
        return messages + [dict(m) for m in given if isinstance(m, dict)]
    key = next((k for k in _QUESTION_KEYS if item.inputs.get(k)), None)
    if key is None:
        content = "\n".join(f"{k}: {as_text(v)}" for k, v in item.inputs.items())
    else:
        context = item.inputs.get("context")
        content = (f"{as_text(context)}\n\n" if context else "") + as_text(item.inputs[key])
    return [*messages, {"role": "user", "content": content}]


async def _generate(model: ManagedModel, items: list[Item], system_prompt: str | None,
                    params: dict[str, Any], stats: CallStats,
                    ) -> tuple[list[str | ProviderError], tuple[int, int]]:
    outputs: list[str | ProviderError] = [""] * len(items)
    tokens = [0, 0]

    async def handle(index: int) -> None:
        request = GenerateRequest(messages=messages_for(items[index], system_prompt),
                                  params=params, context=items[index].fields())
        try:
            result = await model.generate(request)
        except ProviderError as exc:
            outputs[index] = exc
            return
        outputs[index] = result.text
        tokens[0] += result.prompt_tokens or 0
        tokens[1] += result.completion_tokens or 0

    try:
        with counting(stats):
            await AsyncioExecutor(model.max_concurrency).map(range(len(items)), handle)
    finally:
        await model.aclose()
    return outputs, (tokens[0], tokens[1])


def _filled(item: Item, output: str | ProviderError) -> Item:
    if isinstance(output, ProviderError):
        meta = item.metadata | {"generation_error": str(output) or type(output).__name__}
        return replace(item, output=None, metadata=meta, id=None)
    return replace(item, output=output, output_2=None, id=None)
