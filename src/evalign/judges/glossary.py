"""A user's glossary: terms of their domain's shorthand and what each spells out.

evalign ships no domain vocabulary. Teams whose rubrics use shorthand (`val`, `post-$`, `ARR`)
write a small YAML or JSON mapping, term → expansion, and pass it to an alignment run
(`evalign align JUDGE --glossary FILE`); the decomposed judge stores it and applies it to every
rubric it splits, so the accepted judge reads new items the same way.

    # glossary.yaml
    val: valuation
    post-$: post-money
    w/: with
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from evalign.errors import ConfigError

MAX_TERMS = 5000


def load_glossary(path: str | Path) -> dict[str, str]:
    """Read a glossary file (`.json`, else YAML) into term → expansion.

    Raises:
        ConfigError: the file is missing or unreadable, is not a mapping of text to text, or
            holds an empty term (the message names the file, and the line for YAML errors).
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read the glossary ({exc})") from exc
    try:
        data: Any = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{file}:{exc.lineno}: not valid JSON ({exc.msg})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{file}{line}: not valid YAML ({exc})") from exc
    return check_glossary(data, str(file))


def check_glossary(data: Any, where: str = "glossary") -> dict[str, str]:
    """Validate a term → expansion mapping (from a file or a stored judge).

    Raises:
        ConfigError: not a mapping, too many terms, or a term/expansion that is not plain text.
    """
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a glossary is a mapping of term: expansion, "
                          f"got {type(data).__name__}")
    if len(data) > MAX_TERMS:
        raise ConfigError(f"{where}: {len(data)} terms; at most {MAX_TERMS}")
    out: dict[str, str] = {}
    for term, expansion in data.items():
        if not isinstance(term, str | int | float) or not str(term).strip():
            raise ConfigError(f"{where}: term {term!r} is empty or not text")
        if not isinstance(expansion, str | int | float):
            raise ConfigError(f"{where}: the expansion of {term!r} must be text, "
                              f"got {type(expansion).__name__}")
        out[str(term).strip()] = str(expansion).strip()
    return out
