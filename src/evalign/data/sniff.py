"""`--format auto`: tell the container (CSV, JSON array, JSONL) and the shape of its records."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from evalign.data import native, pairwise, ratings, tabular
from evalign.data.reader import Source
from evalign.errors import ConfigError

Container = Literal["csv", "tsv", "json", "jsonl"]
Shape = Literal["openai", "table", "pairwise", "ratings", "native"]

FORMATS = ("auto", "openai-jsonl", "csv", "tsv", "json", "jsonl", "pairwise", "ratings")
"""The values `--format` accepts."""

_EXTENSIONS: dict[str, Container] = {
    ".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
}


def container_of(source: Source, fmt: str) -> Container:
    """The container a `--format` names, or the one the file's name and first bytes show."""
    check_format(fmt)
    if fmt in ("csv", "tsv", "json", "jsonl"):
        return fmt  # type: ignore[return-value]
    if fmt == "openai-jsonl":
        return "jsonl"
    suffix = source.path.suffix.lower()
    head = source.head(256).lstrip()
    if suffix == ".json" or (suffix not in _EXTENSIONS and head[:1] in ("[", "{")):
        return "json" if head.startswith("[") else "jsonl"
    return _EXTENSIONS.get(suffix, "csv")


def shape_of(fmt: str, columns: Iterable[str]) -> Shape:
    """The shape a `--format` names, or the one the first record's columns show."""
    named: dict[str, Shape] = {"openai-jsonl": "openai", "pairwise": "pairwise",
                               "ratings": "ratings"}
    if fmt in named:
        return named[fmt]
    names = list(columns)
    if "messages" in names or _judgement_without_output(names):
        return "openai"
    if native.looks_native(names):
        return "native"
    if ratings.looks_like_ratings(names):
        return "ratings"
    if pairwise.looks_pairwise(names):
        return "pairwise"
    return "table"


def _judgement_without_output(names: list[str]) -> bool:
    # A `judgement` is OpenPipe's mark: without an output column the row lacks its messages.
    lower = {n.lower() for n in names}
    return bool(lower & {"judgement", "judgment"}) and not lower & set(tabular.ALIASES["output"])


def check_format(fmt: str) -> None:
    """Refuse an unknown `--format`.

    Raises:
        ConfigError: the format is not one of `FORMATS`.
    """
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


def kind_of(shape: Shape, columns: Iterable[str]) -> str:
    """`pairwise` when the records hold two outputs, else `single`."""
    if shape == "pairwise" or (shape == "native" and "output_2" in set(columns)):
        return "pairwise"
    return "single"
