"""Turning a model string into a provider, through the providers' registry when it is there."""

from __future__ import annotations

import importlib
from typing import Any

from evalign.errors import ConfigError
from evalign.providers.base import ModelAPI
from evalign.providers.scripted import ScriptedModel


def resolve_model(model: str | ModelAPI) -> ModelAPI:
    """A `ModelAPI` for `provider/model` (or the object itself if it already is one).

    Raises:
        ConfigError: the model string names no known provider.
    """
    if not isinstance(model, str):
        return model
    registry: Any
    try:
        registry = importlib.import_module("evalign.providers.registry")
    except ImportError:
        registry = None
    if registry is not None:
        found: Any = registry.get_model(model)
        provider: ModelAPI = found
        return provider
    if model.startswith("scripted/"):
        return ScriptedModel(model.split("/", 1)[1])
    raise ConfigError(f"unknown model {model!r}: write it as provider/model, e.g. scripted/hash")
