"""Model providers behind one async `generate()` contract (see `base`).

`get_model("provider/model")` builds one; provider modules with optional SDKs are imported
only when named.
"""

from evalign.providers.base import GenerateRequest, GenerateResult, ModelAPI
from evalign.providers.pricing import Price, PriceTable, cost_usd
from evalign.providers.registry import PROVIDERS, get_model, parse_model_string
from evalign.providers.scripted import ScriptedModel

__all__ = [
    "PROVIDERS",
    "GenerateRequest",
    "GenerateResult",
    "ModelAPI",
    "Price",
    "PriceTable",
    "ScriptedModel",
    "cost_usd",
    "get_model",
    "parse_model_string",
]
