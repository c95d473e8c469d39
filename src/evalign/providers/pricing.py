"""What a model call costs: USD per million input / output tokens, per model string.

The built-in table covers common hosted models (list prices when written; check your
provider's page). Users add or override entries in a YAML or JSON file named by
`EVALIGN_PRICES`, else `~/.config/evalign/prices.yaml`:

    openai/my-finetune: {input: 0.30, output: 1.20, cached_input: 0.15}
    anthropic/claude-sonnet-4: [3.0, 15.0]

A model string matches its own entry, else the longest entry it extends with `-...`
(dated snapshots such as `gpt-4o-mini-2024-07-18`). Local and scripted models cost 0; a model
with no entry has an unknown cost (None), never a made-up 0.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import yaml

from evalign.errors import ConfigError

FREE_PROVIDERS = frozenset({"local", "scripted"})
_FIELDS = ("input", "output", "cached_input")


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    cached_input: float | None = None


BUILTIN: dict[str, Price] = {
    "openai/gpt-4o": Price(2.50, 10.00, 1.25),
    "openai/gpt-4o-mini": Price(0.15, 0.60, 0.075),
    "openai/gpt-4.1": Price(2.00, 8.00, 0.50),
    "openai/gpt-4.1-mini": Price(0.40, 1.60, 0.10),
    "openai/gpt-4.1-nano": Price(0.10, 0.40, 0.025),
    "openai/o3": Price(2.00, 8.00, 0.50),
    "openai/o3-mini": Price(1.10, 4.40, 0.55),
    "openai/o4-mini": Price(1.10, 4.40, 0.275),
    "openai/gpt-4-turbo": Price(10.00, 30.00),
    "openai/gpt-3.5-turbo": Price(0.50, 1.50),
    "anthropic/claude-3-haiku": Price(0.25, 1.25, 0.03),
    "anthropic/claude-3-5-haiku": Price(0.80, 4.00, 0.08),
    "anthropic/claude-3-5-sonnet": Price(3.00, 15.00, 0.30),
    "anthropic/claude-3-7-sonnet": Price(3.00, 15.00, 0.30),
    "anthropic/claude-sonnet-4": Price(3.00, 15.00, 0.30),
    "anthropic/claude-3-opus": Price(15.00, 75.00, 1.50),
    "anthropic/claude-opus-4": Price(15.00, 75.00, 1.50),
    "litellm/gemini/gemini-1.5-flash": Price(0.075, 0.30),
    "litellm/gemini/gemini-2.0-flash": Price(0.10, 0.40),
}


class PriceTable:
    """Prices by model string, with snapshot-suffix matching.

    Args:
        prices: model string -> price.
    """

    def __init__(self, prices: Mapping[str, Price]):
        self._prices = dict(prices)

    @classmethod
    def load(cls, file: str | Path | None = None) -> PriceTable:
        """The built-in table overlaid with the user's price file, if there is one."""
        prices = dict(BUILTIN)
        source = Path(file) if file else user_price_file()
        if source.is_file():
            prices.update(read_price_file(source))
        return cls(prices)

    def price(self, model: str) -> Price | None:
        """The price of a model string; zero for local/scripted; None when unknown."""
        if model.partition("/")[0] in FREE_PROVIDERS:
            return Price(0.0, 0.0, 0.0)
        if model in self._prices:
            return self._prices[model]
        stems = [k for k in self._prices if model.startswith(k + "-")]
        return self._prices[max(stems, key=len)] if stems else None

    def cost(
        self, model: str, prompt_tokens: int | None, completion_tokens: int | None,
        cached_prompt_tokens: int = 0,
    ) -> float | None:
        """USD for one call; None when the price or a token count is unknown."""
        price = self.price(model)
        if price is None or prompt_tokens is None or completion_tokens is None:
            return None
        cached = min(cached_prompt_tokens, prompt_tokens) if price.cached_input is not None else 0
        usd = (
            (prompt_tokens - cached) * price.input
            + cached * (price.cached_input or 0.0)
            + completion_tokens * price.output
        )
        return usd / 1_000_000


def cost_usd(
    model: str, prompt_tokens: int | None, completion_tokens: int | None,
    cached_prompt_tokens: int = 0,
) -> float | None:
    """USD for one call with the built-in table and the user's price file (None: unknown).

    The user file is re-read whenever it changes, so an edited price applies to the next call.
    """
    return price_table().cost(model, prompt_tokens, completion_tokens, cached_prompt_tokens)


def price_table() -> PriceTable:
    """The prices in force now: the built-in table, overridden by the user's price file.

    A run takes this once (a stat and a config-dir lookup per call were a tenth of a
    millisecond per item), so an edited price file applies from the next run on.
    """
    source = user_price_file()
    stamp = source.stat().st_mtime_ns if source.is_file() else None
    return _table_for(str(source), stamp)


@functools.lru_cache(maxsize=4)
def _table_for(source: str, stamp: int | None) -> PriceTable:
    # Keyed on the file's modification time: an edited file is a new key, never a stale table.
    if stamp is None:
        return PriceTable(BUILTIN)
    return PriceTable.load(source)


def user_price_file() -> Path:
    """`EVALIGN_PRICES`, else `prices.yaml` in the user config directory."""
    named = os.environ.get("EVALIGN_PRICES")
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(f"EVALIGN_PRICES names {path}, which does not exist")
        return path
    return Path(platformdirs.user_config_dir("evalign")) / "prices.yaml"


def read_price_file(path: Path) -> dict[str, Price]:
    """Parse a price file (YAML or JSON): model -> {input, output[, cached_input]} or [in, out].

    Raises:
        ConfigError: the file or an entry is malformed (named in the message).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML/JSON ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of model -> price")
    return {str(model): _entry(path, str(model), value) for model, value in data.items()}


def _entry(path: Path, model: str, value: Any) -> Price:
    if isinstance(value, list | tuple) and len(value) == 2:
        value = {"input": value[0], "output": value[1]}
    if not isinstance(value, dict) or not {"input", "output"} <= set(value):
        raise ConfigError(
            f"{path}: price of {model!r} must be {{input: USD, output: USD}} per 1M tokens "
            "or [input, output]"
        )
    try:
        numbers = {k: float(v) for k, v in value.items() if k in _FIELDS}
    except (TypeError, ValueError):
        raise ConfigError(f"{path}: price of {model!r} has a non-numeric value") from None
    if any(v < 0 for v in numbers.values()):
        raise ConfigError(f"{path}: price of {model!r} is negative")
    return Price(**numbers)
