"""Model strings to providers."""

from __future__ import annotations

import importlib.util

import pytest

from evalign.errors import ConfigError, MissingExtraError, NotFoundError
from evalign.providers import ModelAPI, ScriptedModel, get_model, parse_model_string
from evalign.providers.local import LocalModel


def test_parse_keeps_slashes_in_the_model_part() -> None:
    assert parse_model_string("litellm/groq/llama3-8b") == ("litellm", "groq/llama3-8b")
    assert parse_model_string("local/models/x.gguf") == ("local", "models/x.gguf")


@pytest.mark.parametrize("bad", ["gpt-4o", "openai/", "/x", ""])
def test_malformed_model_strings(bad: str) -> None:
    with pytest.raises(ConfigError, match="provider/model"):
        get_model(bad)


def test_unknown_provider_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown provider 'cohere'.*openai.*local"):
        get_model("cohere/command-r")


def test_scripted_and_its_options() -> None:
    model = get_model("scripted/constant:PASS")
    assert isinstance(model, ScriptedModel) and isinstance(model, ModelAPI)
    assert model.model == "scripted/constant:PASS"
    with pytest.raises(ConfigError, match="takes no options"):
        get_model("scripted/hash", temperature=0)
    with pytest.raises(ConfigError, match="unknown scripted model"):
        get_model("scripted/nonsense")


def test_local_is_lazy_and_checks_the_name() -> None:
    model = get_model("local/qwen2.5-coder-0.5b", n_ctx=2048)
    assert isinstance(model, LocalModel)
    assert (model.max_concurrency, model.n_ctx) == (1, 2048)
    assert "loaded=False" in repr(model)  # nothing loaded until the first call
    with pytest.raises(NotFoundError, match="known models are"):
        get_model("local/llama-70b")


def test_none_options_are_dropped_and_unknown_ones_refused() -> None:
    assert isinstance(get_model("local/qwen2.5-coder-0.5b", n_ctx=None), LocalModel)
    with pytest.raises(ConfigError, match="bad option"):
        get_model("local/qwen2.5-coder-0.5b", temperature=0.5)


def test_anthropic_builds_without_showing_its_key() -> None:
    if importlib.util.find_spec("anthropic") is None:
        with pytest.raises(MissingExtraError, match=r"evalign\[anthropic\]"):
            get_model("anthropic/claude-3-5-haiku", api_key="k")
        return
    model = get_model("anthropic/claude-3-5-haiku", api_key="sk-ant-SECRETKEY99")
    assert model.model == "anthropic/claude-3-5-haiku"
    assert "SECRETKEY99" not in repr(model)


def test_litellm_needs_its_extra() -> None:
    if importlib.util.find_spec("litellm") is not None:
        assert get_model("litellm/groq/llama3-8b").model == "litellm/groq/llama3-8b"
        return
    with pytest.raises(MissingExtraError, match=r"pip install 'evalign\[litellm\]'"):
        get_model("litellm/groq/llama3-8b")
