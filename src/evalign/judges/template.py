"""Judge templates: which `{field}` names a template uses, and safe rendering.

Only `{identifier}` placeholders are substituted, in a single pass, so a field value that itself
contains braces or template syntax (`{question}`, `{{`, `{0}`, JSON) is inserted verbatim and never
expanded again. `{{` and `}}` stand for literal braces. Any other brace (e.g. a JSON example such as
`{"verdict": "PASS"}` in the prompt) is left as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from evalign.errors import ConfigError
from evalign.items import Item

_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


def template_fields(template: str) -> list[str]:
    """The field names a template uses, in first-use order, without duplicates."""
    seen: dict[str, None] = {}
    for match in _TOKEN.finditer(template):
        if match.group(1):
            seen.setdefault(match.group(1), None)
    return list(seen)


def missing_fields(template: str, available: Iterable[str]) -> list[str]:
    """The names the template uses that are not among `available`."""
    have = set(available)
    return [name for name in template_fields(template) if name not in have]


def check_fields(template: str, available: Iterable[str], *, where: str = "the item") -> None:
    """Refuse a template that names fields `available` lacks.

    Raises:
        ConfigError: lists the missing names and the fields there are.
    """
    have = sorted(set(available))
    missing = missing_fields(template, have)
    if missing:
        raise ConfigError(
            f"the judge template uses {', '.join('{' + m + '}' for m in missing)} but {where} "
            f"has no such field; fields there: {', '.join(have) or '(none)'}. Rename the "
            "placeholders or map the columns on import"
        )


def check_items(template: str, items: Iterable[Item], *, where: str = "the dataset") -> None:
    """Refuse up front a template that names fields some items lack.

    Raises:
        ConfigError: lists the missing names, how many items lack them, and the fields there are.
    """
    wanted = template_fields(template)
    lacking: dict[str, int] = {}
    have: set[str] = set()
    first = ""
    for item in items:
        fields = item.fields()
        have.update(fields)
        for name in wanted:
            if name not in fields:
                lacking[name] = lacking.get(name, 0) + 1
                first = first or (item.external_id or str(item.id))
    if lacking:
        counts = ", ".join(f"{{{name}}} ({n} items)" for name, n in lacking.items())
        raise ConfigError(
            f"the judge template uses fields that {where} lacks: {counts}, e.g. item {first}. "
            f"Fields there: {', '.join(sorted(have)) or '(none)'}. Rename the placeholders or "
            "map the columns on import"
        )


def render(template: str, values: Mapping[str, str], *, where: str = "the item") -> str:
    """Fill the template's `{field}` placeholders with `values`, verbatim.

    Raises:
        ConfigError: a placeholder has no value (lists the missing and available names).
    """
    check_fields(template, values.keys(), where=where)

    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return values[match.group(1)]

    return _TOKEN.sub(substitute, template)
