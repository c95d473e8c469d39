"""Cost of a call from the providers' price table; an unknown price is an unknown cost (None)."""

from __future__ import annotations

import importlib
from typing import Any


def cost_of(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """USD for these tokens on `model`, or None when no price is known."""
    if model.startswith(("scripted/", "local/")):
        return 0.0  # runs on this machine: nothing to pay per token
    try:
        pricing: Any = importlib.import_module("evalign.providers.pricing")
    except ImportError:
        return None
    function: Any = getattr(pricing, "cost_usd", None) or getattr(pricing, "cost", None)
    if function is None:
        return None
    result: Any = function(model, prompt_tokens, completion_tokens)
    return None if result is None else float(result)
