"""The price table: built-in prices, snapshot names, user overrides, unknown is not zero."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalign.errors import ConfigError
from evalign.providers.pricing import Price, PriceTable


@pytest.fixture(autouse=True)
def no_user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("EVALIGN_PRICES", raising=False)


def test_builtin_and_snapshot_names() -> None:
    table = PriceTable.load()
    assert table.price("openai/gpt-4o-mini") == Price(0.15, 0.60, 0.075)
    # a dated snapshot takes the longest matching stem, not gpt-4o's price
    assert table.price("openai/gpt-4o-mini-2024-07-18") == table.price("openai/gpt-4o-mini")
    assert table.price("anthropic/claude-3-5-sonnet-20241022") == Price(3.0, 15.0, 0.30)


def test_cost_of_a_call() -> None:
    table = PriceTable.load()
    assert table.cost("openai/gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)
    assert table.cost("openai/gpt-4o-mini", 1000, 100) == pytest.approx(0.00021)
    # cached prompt tokens at the cached price
    assert table.cost("openai/gpt-4o", 1000, 0, cached_prompt_tokens=1000) == pytest.approx(
        0.00125)


def test_unknown_is_none_local_and_scripted_are_free() -> None:
    table = PriceTable.load()
    assert table.price("openai/my-own-model") is None
    assert table.cost("openai/my-own-model", 10, 10) is None
    assert table.cost("openai/gpt-4o", None, 10) is None
    assert table.cost("local/qwen2.5-coder-1.5b", 5000, 50) == 0.0
    assert table.cost("scripted/hash", 5000, 50) == 0.0


def test_user_file_extends_and_overrides(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_text("openai/my-own-model: {input: 1.0, output: 2.0}\n"
                      "openai/gpt-4o-mini: [0.2, 0.8]\n")
    monkeypatch.setenv("EVALIGN_PRICES", str(prices))
    table = PriceTable.load()
    assert table.cost("openai/my-own-model", 1_000_000, 1_000_000) == pytest.approx(3.0)
    assert table.price("openai/gpt-4o-mini") == Price(0.2, 0.8)


def test_json_file_in_the_config_dir(tmp_path: Path) -> None:
    folder = tmp_path / "config" / "evalign"
    folder.mkdir(parents=True)
    (folder / "prices.yaml").write_text('{"litellm/groq/llama3-8b": {"input": 0.05, '
                                        '"output": 0.08}}')
    assert PriceTable.load().price("litellm/groq/llama3-8b") == Price(0.05, 0.08)


@pytest.mark.parametrize(("text", "problem"), [
    ("openai/x: {input: 1}\n", "must be"),
    ("openai/x: {input: one, output: 2}\n", "non-numeric"),
    ("openai/x: [-1, 2]\n", "negative"),
    ("- just a list\n", "mapping"),
    ("openai/x: {input: [1\n", "not valid"),
])
def test_bad_price_files_name_the_file(tmp_path: Path, text: str, problem: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(ConfigError, match=problem) as info:
        PriceTable.load(bad)
    assert "bad.yaml" in str(info.value)


def test_missing_named_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EVALIGN_PRICES", str(tmp_path / "nope.yaml"))
    with pytest.raises(ConfigError, match="EVALIGN_PRICES"):
        PriceTable.load()


def test_cost_usd_follows_an_edited_file(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from evalign.providers.pricing import cost_usd

    assert cost_usd("openai/house-model", 1000, 0) is None
    prices = tmp_path / "prices.yaml"
    prices.write_text("openai/house-model: [1.0, 2.0]\n")
    monkeypatch.setenv("EVALIGN_PRICES", str(prices))
    assert cost_usd("openai/house-model", 1_000_000, 0) == pytest.approx(1.0)
    prices.write_text("openai/house-model: [3.0, 2.0]\n")
    os.utime(prices, ns=(1, 10**18))  # a new modification time, whatever the clock
    assert cost_usd("openai/house-model", 1_000_000, 0) == pytest.approx(3.0)
    assert cost_usd("local/qwen2.5-coder-1.5b", 1000, 10) == 0.0
