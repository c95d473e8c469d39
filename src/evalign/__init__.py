"""evalign: align LLM-as-a-judge evaluators with human judgement, proven on held-out items.

The public API lives here; everything else is internal and may change.
"""

from evalign.errors import (
    ConfigError,
    ConflictError,
    DataError,
    EvalignError,
    NotFoundError,
    ProviderError,
    UserError,
)
from evalign.items import Item
from evalign.providers import GenerateRequest, GenerateResult, ModelAPI, ScriptedModel, get_model
from evalign.scores import ScoreConfig
from evalign.store import Store, open_store

__all__ = [
    "ConfigError",
    "ConflictError",
    "DataError",
    "EvalignError",
    "GenerateRequest",
    "GenerateResult",
    "Item",
    "ModelAPI",
    "NotFoundError",
    "ProviderError",
    "ScoreConfig",
    "ScriptedModel",
    "Store",
    "UserError",
    "get_model",
    "open_store",
]
