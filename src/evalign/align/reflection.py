"""The reflection model as an alignment run uses it: the judge calls' wrapper, and the budget.

Reflection calls (guidelines, checklists) go through the runner's `ManagedModel`, the wrapper
judge calls use: bounded adaptive concurrency and retries on 429 and 5xx (one refusal no longer
fails the run). Every call made, retries included, and its tokens and USD are charged to the
run's budget, so `--budget-usd` counts what reflection spends too.
"""

from __future__ import annotations

from evalign.align.guards import Budget
from evalign.providers.base import GenerateRequest, GenerateResult, ModelAPI
from evalign.providers.pricing import cost_usd
from evalign.runner.calls import CallStats, ManagedModel, counting
from evalign.runner.retry import RetryPolicy


class Reflector:
    """Asks the reflection model, with retries, charging the run's budget per phase.

    Args:
        model: the reflection provider (kept open; the run closes it).
        budget: the run's budget.
        policy: the retry policy (default: the runner's).
    """

    def __init__(self, model: ModelAPI, budget: Budget, *, policy: RetryPolicy | None = None):
        self.managed = ManagedModel(model, policy=policy)
        self.model = model.model
        self.budget = budget

    async def ask(self, request: GenerateRequest, phase: str) -> GenerateResult:
        """One answer; the calls it took, its tokens and cost are charged to `phase`.

        Raises:
            BudgetExceeded: the budget was already spent before the call, or is after it.
            ProviderError: the call failed for good (after the retries).
        """
        if phase not in self.budget.exempt:
            self.budget.check()
        stats = CallStats()
        with counting(stats):
            result = await self.managed.generate(request)
        usd = cost_usd(self.model, result.prompt_tokens, result.completion_tokens)
        self.budget.charge(phase, max(1, stats.calls), result.prompt_tokens or 0,
                           result.completion_tokens or 0, usd, model=self.model)
        return result
