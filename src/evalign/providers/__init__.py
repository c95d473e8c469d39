"""Model providers behind one async `generate()` contract (see `base`)."""

from evalign.providers.base import GenerateRequest, GenerateResult, ModelAPI
from evalign.providers.scripted import ScriptedModel

__all__ = ["GenerateRequest", "GenerateResult", "ModelAPI", "ScriptedModel"]
