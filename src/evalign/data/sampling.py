"""Random samples with a seed: N rows of a file at import, or N items of a stored dataset."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import TypeVar

from evalign.errors import ConfigError

T = TypeVar("T")


def reservoir(values: Iterable[T], n: int, seed: int) -> list[T]:
    """A uniform sample of `n` values in their original order, reading the input once.

    The same input, `n` and `seed` always give the same sample; fewer than `n` values are all
    returned.

    Raises:
        ConfigError: `n` is not positive.
    """
    if n <= 0:
        raise ConfigError(f"sample size must be positive, got {n}")
    rng = random.Random(seed)
    kept: list[tuple[int, T]] = []
    for index, value in enumerate(values):
        if index < n:
            kept.append((index, value))
            continue
        slot = rng.randint(0, index)
        if slot < n:
            kept[slot] = (index, value)
    return [value for _, value in sorted(kept, key=lambda pair: pair[0])]
