"""`Judge`: the Python API for scoring items with a judge, outside of stored runs.

    judge = evalign.Judge(prompt="... {question} ... {response}", scale="pass_fail",
                          model="local/qwen2.5-coder-1.5b")
    verdict = judge.score({"question": "...", "response": "..."})

The judge keeps its model (and a private event loop for the synchronous methods) until `close()`,
so a local model is loaded once. Calls go through the runner's retries, limits and, when a store
is given, its answer cache.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from evalign.errors import ConfigError
from evalign.items import Item
from evalign.judges.code import CodeFunction, CodeJudges
from evalign.judges.spec import JudgeKind, JudgeSpec, Verdict
from evalign.providers.base import ModelAPI
from evalign.runner.batch import ScoreBatch, score_items
from evalign.runner.cache import AnswerCache
from evalign.runner.calls import ManagedModel, judge_one
from evalign.runner.models import resolve_model
from evalign.scores import ScoreConfig
from evalign.store import Store
from evalign.store.repo_judges import resolve

_OUTPUT_KEYS = ("output", "response")


class Judge:
    """A judge version you can call.

    Args:
        prompt: the template (`{field}` names an item field); ignored for code judges.
        scale: a scale spec (`pass_fail`, `stars`, `numeric:0:10:7`, ...) or `ScoreConfig`.
        model: `provider/model`, or a provider object (default: the spec's model, else
            the embedded `local/qwen2.5-coder-1.5b`).
        params: sampling parameters.
        few_shot: labeled examples (`fields`, `label`, `reasoning`).
        threshold: decide pass when p_pass ≥ threshold (pass/fail scales).
        guidelines: guidelines shown before the examples.
        code: a code judge instead of a prompt: a function `(item) -> value` or `module:function`.
        spec: a complete `JudgeSpec` (the other content arguments except `model` are then
            ignored).
        cache_store: a store whose answer cache to use.
        concurrency: most model calls in flight for `score_many`.
    """

    def __init__(self, prompt: str = "", *, scale: str | ScoreConfig = "pass_fail",
                 model: str | ModelAPI | None = None,
                 params: Mapping[str, Any] | None = None,
                 few_shot: Sequence[Mapping[str, Any]] = (), threshold: float | None = None,
                 guidelines: str = "", code: str | CodeFunction | None = None,
                 spec: JudgeSpec | None = None, cache_store: Store | None = None,
                 concurrency: int | None = None):
        self.code_judges = CodeJudges()
        kind: JudgeKind = "prompt"
        if code is not None:
            kind, prompt = "code", code if isinstance(code, str) else _register(self, code)
        self.spec = spec or JudgeSpec(
            kind=kind, prompt=prompt, scale=ScoreConfig.parse(scale),
            params=dict(params or {}), few_shot=[dict(e) for e in few_shot],
            threshold=threshold, guidelines=guidelines)
        if model is not None:
            name = model if isinstance(model, str) else model.model
            self.spec = self.spec.model_copy(update={"model": name})
        if self.spec.kind == "prompt" and not self.spec.prompt.strip():
            raise ConfigError("a prompt judge needs a prompt (or pass code=...)")
        self._provider: ModelAPI | None = None if isinstance(model, str) else model
        self._managed: ManagedModel | None = None
        self.cache_store = cache_store
        self.concurrency = concurrency
        self._loop: asyncio.Runner | None = None

    @classmethod
    def from_store(cls, store: Store, ref: str, **options: Any) -> Judge:
        """The stored judge version `NAME[@V]`."""
        with store.session() as session:
            spec = resolve(session, ref).spec
        return cls(spec=spec, **options)

    async def ascore(self, item: Item | Mapping[str, Any]) -> Verdict:
        """One verdict on `item` (an `Item`, or a dict of fields where `output`/`response` is
        the output to judge)."""
        model = self._model() if self.spec.kind != "code" else None
        verdict, _stats = await judge_one(self.spec, to_item(item), model,
                                          code_judges=self.code_judges)
        return verdict

    def score(self, item: Item | Mapping[str, Any]) -> Verdict:
        """`ascore`, synchronously."""
        return self._runner().run(self.ascore(item))

    async def ascore_many(self, items: Iterable[Item | Mapping[str, Any]]) -> ScoreBatch:
        """Verdicts on many items, concurrently, in item order."""
        model = self._model().inner if self.spec.kind != "code" else None
        return await score_items(self.spec, [to_item(i) for i in items], model=model,
                                 concurrency=self.concurrency, cache_store=self.cache_store,
                                 code_judges=self.code_judges)

    def score_many(self, items: Iterable[Item | Mapping[str, Any]]) -> ScoreBatch:
        """`ascore_many`, synchronously."""
        return self._runner().run(self.ascore_many(items))

    def close(self) -> None:
        """Release the model and the private event loop."""
        if self._managed is not None:
            self._runner().run(self._managed.aclose())
            self._managed = None
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    def __enter__(self) -> Judge:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _model(self) -> ManagedModel:
        if self._managed is None:
            provider = self._provider or resolve_model(self.spec.model)
            cache = AnswerCache(self.cache_store) if self.cache_store is not None else None
            self._managed = ManagedModel(provider, concurrency=self.concurrency, cache=cache)
        return self._managed

    def _runner(self) -> asyncio.Runner:
        if self._loop is None:
            self._loop = asyncio.Runner()
        return self._loop

    def __repr__(self) -> str:
        return f"Judge(kind={self.spec.kind!r}, scale={self.spec.scale.spec()!r}, " \
               f"model={self.spec.model!r})"


def to_item(item: Item | Mapping[str, Any]) -> Item:
    """An `Item` from an `Item` or a plain dict of fields."""
    if isinstance(item, Item):
        return item
    fields = dict(item)
    output = next((fields.pop(k) for k in _OUTPUT_KEYS if k in fields), None)
    pair = {k: fields.pop(k) for k in ("output_1", "output_2") if k in fields}
    if pair:
        return Item(inputs=fields, output=pair.get("output_1"), output_2=pair.get("output_2"))
    return Item(inputs=fields, output=None if output is None else str(output))


def _register(judge: Judge, function: CodeFunction) -> str:
    name = getattr(function, "__name__", "code_judge")
    judge.code_judges.register(name, function)
    return name
