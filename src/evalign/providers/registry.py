"""`get_model("provider/model", **options)`: from a model string to a `ModelAPI`.

    openai/<model>      any OpenAI-compatible endpoint (options: base_url, api_key, timeout)
    anthropic/<model>   Anthropic Messages API (extra `[anthropic]`)
    litellm/<model>     anything LiteLLM routes to (extra `[litellm]`)
    local/<name|path>   in-process GGUF model (extra `[local]`; options: n_ctx, n_threads)
    scripted/<script>   deterministic answers for tests and demos

Provider modules are imported only when asked for, so a missing optional SDK only matters
to the user who names that provider.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evalign.errors import ConfigError
from evalign.providers.base import ModelAPI

Factory = Callable[..., ModelAPI]


def _openai(name: str, **options: Any) -> ModelAPI:
    from evalign.providers.openai import OpenAIModel

    return OpenAIModel(name, **options)


def _anthropic(name: str, **options: Any) -> ModelAPI:
    from evalign.providers.anthropic import AnthropicModel

    return AnthropicModel(name, **options)


def _litellm(name: str, **options: Any) -> ModelAPI:
    from evalign.providers.litellm import LiteLLMModel

    return LiteLLMModel(name, **options)


def _local(name: str, **options: Any) -> ModelAPI:
    from evalign.providers.local import LocalModel

    return LocalModel(name, **options)


def _scripted(name: str, **options: Any) -> ModelAPI:
    from evalign.providers.scripted import ScriptedModel

    if options:
        raise ConfigError(f"scripted/{name}: takes no options (got {', '.join(options)})")
    return ScriptedModel(name)


PROVIDERS: dict[str, Factory] = {
    "openai": _openai,
    "anthropic": _anthropic,
    "litellm": _litellm,
    "local": _local,
    "scripted": _scripted,
}


def parse_model_string(model: str) -> tuple[str, str]:
    """Split `provider/model` (the model part may contain more slashes).

    Raises:
        ConfigError: no provider prefix, or an unknown provider.
    """
    provider, sep, name = model.strip().partition("/")
    if not (provider and sep and name):
        raise ConfigError(
            f"model {model!r} is not of the form provider/model "
            f"(providers: {', '.join(PROVIDERS)}; e.g. local/qwen2.5-coder-1.5b)"
        )
    if provider not in PROVIDERS:
        raise ConfigError(
            f"unknown provider {provider!r} in model {model!r}: use one of {', '.join(PROVIDERS)}"
        )
    return provider, name


def get_model(model: str, **options: Any) -> ModelAPI:
    """A provider bound to `model`; options go to the provider's constructor.

    Options that are None are dropped, so a CLI can pass its unset flags straight through.

    Raises:
        ConfigError: bad model string or option.
        MissingExtraError: the provider's optional SDK is not installed.
    """
    provider, name = parse_model_string(model)
    given = {k: v for k, v in options.items() if v is not None}
    try:
        return PROVIDERS[provider](name, **given)
    except TypeError as exc:
        raise ConfigError(f"{model}: bad option ({exc})") from None
