"""Refuse up front a cost budget the run cannot keep: a model it may call has no price.

A call to a model with no entry in the price table has an unknown cost
(`evalign.providers.pricing`); counting it as free would let `--budget-usd` be passed
silently. The run's `Budget` also stops a run whose calls turn out unpriced (e.g. a provider
that gave no token counts); this check catches the common case before anything is created.
"""

from __future__ import annotations

from evalign.align.config import AlignConfig, default_model
from evalign.errors import ConfigError
from evalign.judges.spec import JudgeSpec
from evalign.providers.pricing import price_table, user_price_file

ASKS_REFLECTION = ("guidelines", "decompose")
"""The strategies that may call the reflection model (the others only score with the judge)."""


def models_called(config: AlignConfig, spec: JudgeSpec) -> dict[str, str]:
    """Role (`judge`, `verify`, `reflection`) -> model string of each model the run may call.

    Args:
        config: the run's settings (model overrides, strategies).
        spec: the base judge version (its model, unless `config.judge_model` replaces it; a
            code judge calls none).
    """
    models = {} if spec.kind == "code" else {"judge": config.judge_model or spec.model}
    if config.verify_model:
        models["verify"] = config.verify_model
    if set(config.strategies) & set(ASKS_REFLECTION):
        models["reflection"] = config.reflection_model or default_model()
    return models


def check_cost_tracked(config: AlignConfig, spec: JudgeSpec) -> None:
    """Refuse `config.budget_usd` when a model the run may call has no known price.

    Raises:
        ConfigError: names each unpriced model and its role, and what to do (add its price,
            or budget in calls). Nothing is checked without a cost budget.
    """
    if config.budget_usd is None:
        return
    table = price_table()
    unpriced = {role: model for role, model in models_called(config, spec).items()
                if table.price(model) is None}
    if not unpriced:
        return
    named = "; ".join(f"{role} model {model!r}" for role, model in unpriced.items())
    example = next(iter(unpriced.values()))
    raise ConfigError(
        f"--budget-usd {config.budget_usd:g} cannot be tracked: cost unknown for the {named} "
        f"(no price for it). Add its price per million tokens to {user_price_file()} (or the "
        f"file EVALIGN_PRICES names), e.g. `{example}: {{input: 0.5, output: 1.5}}`, or limit "
        "the run with --budget-calls instead")
