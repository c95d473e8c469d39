"""Scoring candidate judges on labeled examples for an alignment run, with its budget.

Every model call an alignment run makes to a judge goes through `Scorer.score`, which hands
chunks of items to its executor, charges the run's budget per phase, and remembers verdicts by
(spec, example) so the same candidate is never scored twice on one item. The executor is where
the judge's calls run (`AlignConfig.executor`): `InProcess` (the runner's `score_items`: limits,
retries, answer cache) or `evalign.runner.ray_scoring.RayScoring` (the same, on Ray workers);
both return the same verdicts in item order, so the run's figures do not depend on it.

`agreement` chooses between candidates: a verdict passes by the one rule every surface uses
(`stats.comparison.verdict_pass`); an errored verdict counts as a miss here, so a candidate
cannot win by failing to answer (the test-split report counts errors apart, by cause).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from evalign.align.examples import Example
from evalign.align.guards import Budget
from evalign.errors import ProviderError
from evalign.items import Item
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.providers.base import ModelAPI
from evalign.runner import ScoreBatch, score_items
from evalign.runner.error_counts import PROVIDER_KINDS
from evalign.stats.comparison import verdict_pass
from evalign.store import Store

Progress = Callable[[int, int], None]
CHUNK = 8


class ScoringExecutor(Protocol):
    """Where a scorer's judge calls run: `score_items`' contract, plus how wide it is."""

    def parallelism(self, model: ModelAPI) -> int:
        """How many items it judges at once with `model` (chunks are at least this big)."""
        ...

    async def score(self, spec: JudgeSpec, items: Sequence[Item], *, model: ModelAPI,
                    cache_store: Store | None = None) -> ScoreBatch:
        """Verdicts of `spec` on `items` in item order, with their calls, tokens and cost."""
        ...


class InProcess:
    """Judge calls in this process, through the runner's `score_items`."""

    def parallelism(self, model: ModelAPI) -> int:
        """The provider's own concurrency."""
        return model.max_concurrency

    async def score(self, spec: JudgeSpec, items: Sequence[Item], *, model: ModelAPI,
                    cache_store: Store | None = None) -> ScoreBatch:
        """`score_items` with the scorer's provider (a local model stays loaded)."""
        return await score_items(spec, items, model=model, cache_store=cache_store)


def agreement(spec: JudgeSpec, examples: Sequence[Example], verdicts: Sequence[Verdict]) -> float:
    """Share of examples whose verdict agrees with the human pass/fail (errors count as misses).

    NaN when there are no examples.
    """
    if not examples:
        return float("nan")
    hits = sum(agrees(spec, e, v) for e, v in zip(examples, verdicts, strict=True))
    return hits / len(examples)


def agrees(spec: JudgeSpec, example: Example, verdict: Verdict) -> bool:
    """Whether one verdict agrees with the human: the same choice on a pairwise scale (a tie
    is a class of its own), else the same pass/fail; an errored verdict never agrees."""
    if example.scale.kind == "pairwise":
        if verdict.value is None or verdict.error is not None:
            return False
        try:
            return bool(spec.scale.parse_value(verdict.value) == example.label)
        except ValueError:
            return False
    return judged_pass(spec, verdict) == example.passed


def judged_pass(spec: JudgeSpec, verdict: Verdict) -> bool | None:
    """The verdict as pass/fail (`verdict_pass`), with a prompt judge's decision threshold."""
    if verdict.value is None or verdict.error is not None:
        return None
    try:
        value = spec.scale.parse_value(verdict.value)
    except ValueError:
        return None  # a stored value the scale does not read has no pass/fail
    threshold = spec.threshold if spec.kind == "prompt" else None
    return verdict_pass(spec.scale, value, verdict.p_pass, threshold)


def error_tally(verdicts: Sequence[Verdict]) -> str:
    """The errored verdicts' kinds with counts, commonest first ("provider_error 2, ...")."""
    kinds = Counter(v.error_kind or "error" for v in verdicts if v.error is not None)
    return ", ".join(f"{kind} {n}" for kind, n in kinds.most_common())


MIN_FOR_RATE = 8
"""Verdicts seen before a share of failed calls is acted on."""


@dataclass
class CallFailures:
    """Failed calls among a run's verdicts; raises once their share passes the limit."""

    seen: int = 0
    failed: int = 0
    first: str | None = None

    def add(self, verdicts: Sequence[Verdict], limit: float | None) -> None:
        """Count `verdicts`; raise `ProviderError` when failed calls pass `limit` (a share).

        A judge whose endpoint is down would otherwise leave every figure resting on the few
        items that answered, or on none.
        """
        for verdict in verdicts:
            self.seen += 1
            if verdict.error_kind in PROVIDER_KINDS:
                self.failed += 1
                self.first = self.first or verdict.error
        if limit is None or self.seen < MIN_FOR_RATE or self.failed <= limit * self.seen:
            return
        raise ProviderError(
            f"{self.failed} of {self.seen} judge calls failed after retries (first: "
            f"{self.first}), more than the max error rate {limit:g}: the alignment stopped, "
            "as its figures would rest only on the items that answered")


@dataclass
class Scorer:
    """Scores judge specs on examples of one alignment run.

    Attributes:
        model: the judge model (a provider object, kept loaded across calls).
        budget: the run's budget, charged per phase.
        cache_store: the store whose answer cache to use (None: no cache).
        phase: the phase to charge calls to (set by the run as phases change).
        executor: where the judge calls run (default: this process).
    """

    model: ModelAPI
    budget: Budget
    cache_store: Store | None = None
    phase: str = "verifying"
    check: Callable[[], None] | None = None
    progress: Progress | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    executor: ScoringExecutor = field(default_factory=InProcess)
    max_error_rate: float | None = None
    calls_failed: CallFailures = field(default_factory=lambda: CallFailures())
    _memo: dict[tuple[str, int], Verdict] = field(default_factory=dict)
    _per_item: dict[str, tuple[float, float]] = field(default_factory=dict)
    _probe: dict[str, int] = field(default_factory=dict)

    def _chunk(self, chunk: int, key: str) -> int:
        """Items in the next batch of the judge `key`: `chunk`, or fewer under a budget.

        A judge's calls and dollars per item are unknown until some of its items were asked
        (a decomposed judge asks a dozen questions per item, a prompt judge one), so under a
        budget its first batch is one item, doubling while every answer came from the cache;
        after that a batch holds the items the calls and dollars left can pay for at the most
        per item seen, so a run passes its budget by about one item's calls or cost.
        """
        if self.phase in self.budget.exempt:
            return chunk
        left = (self.budget.left_calls(), self.budget.left_usd())
        if left == (None, None):
            return chunk
        per_item = self._per_item.get(key)
        if per_item is None:
            return min(chunk, self._probe.get(key, 1))
        fits = [int(room // cost) for room, cost in zip(left, per_item, strict=True)
                if room is not None and cost > 0]
        return max(1, min([chunk, *fits]))

    def _learn_cost(self, key: str, items: int, calls: int, usd: float | None) -> None:
        """Record a batch's calls and dollars per item (a wholly cached batch says nothing
        of the cost; an unknown cost stops a cost budget on its own, `Budget.check`)."""
        if not calls:
            self._probe[key] = 2 * self._probe.get(key, 1)
            return
        seen = self._per_item.get(key, (0.0, 0.0))
        self._per_item[key] = (max(seen[0], calls / items), max(seen[1], (usd or 0.0) / items))

    def remember(self, spec: JudgeSpec, index: int, verdict: Verdict) -> None:
        """Record a verdict obtained elsewhere (e.g. from a source run)."""
        self._memo[(spec.model_dump_json(), index)] = verdict

    async def score(self, spec: JudgeSpec, examples: Sequence[Example], indices: Sequence[int],
                    progress: Progress | None = None) -> list[Verdict]:
        """Verdicts of `spec` on `examples[i]` for i in `indices`, in that order.

        Items are scored in chunks; between chunks the run's `check` (cancellation, heartbeat)
        and `progress` are called, so a long phase stays visibly alive and stops promptly.

        Raises:
            ProviderError: more than `max_error_rate` of the verdicts so far are failed calls
                (`CallFailures`): figures resting on the items that answered would not be
                the judge's.
        """
        key = spec.model_dump_json()
        todo = [i for i in dict.fromkeys(indices) if (key, i) not in self._memo]
        chunk = max(CHUNK, self.executor.parallelism(self.model))
        report = progress or self.progress
        start = 0
        while start < len(todo):
            if self.check is not None:
                self.check()
            if self.phase not in self.budget.exempt:
                self.budget.check()
            part = todo[start:start + self._chunk(chunk, key)]
            batch = await self.executor.score(spec, [examples[i].item for i in part],
                                              model=self.model, cache_store=self.cache_store)
            for i, verdict in zip(part, batch.verdicts, strict=True):
                self._memo[(key, i)] = verdict
            self.calls_failed.add(batch.verdicts, self.max_error_rate)
            self.seconds[self.phase] = self.seconds.get(self.phase, 0.0) + batch.seconds
            self.budget.charge(self.phase, batch.calls, batch.prompt_tokens,
                               batch.completion_tokens, batch.cost_usd, model=self.model.model)
            self._learn_cost(key, len(part), batch.calls, batch.cost_usd)
            start += len(part)
            if report is not None:
                report(start, len(todo))
        return [self._memo[(key, i)] for i in indices]
