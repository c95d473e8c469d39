"""Importable code judges for the tests (`tests.judges.code_fixtures:long_enough`)."""

from __future__ import annotations

from evalign.items import Item


def long_enough(item: Item) -> bool:
    """Pass when the output has at least 20 words."""
    return len((item.output or "").split()) >= 20


async def broken(item: Item) -> str:
    """Always fails, to show a code judge's error becomes the item's error."""
    raise RuntimeError(f"cannot judge {item.external_id}")
