"""Judge templates: which fields a template names, and safe rendering.

Two spellings name an item field: `{field}` (evalign's own) and `{{ field }}` (the mustache /
Jinja spelling of MLflow's `make_judge` and Langfuse; spaces inside are optional). Besides the
item's own fields, three names gather several, as MLflow means them:

    inputs        every input field, one `name: value` line each (without the expectation
                  fields when the template also names `expectations`)
    outputs       the output; for a pairwise item `output_1: ...` and `output_2: ...` lines
    expectations  the reference fields (`expected_output`, `reference`, `ground_truth`,
                  `grading_notes`, ... see `EXPECTATION_FIELDS`), one `name: value` line each

A field the item has under one of these names wins. Placeholders are filled in one pass, so a
value holding braces or template syntax (`{question}`, `{{ user }}`, `{0}`, JSON) is inserted
verbatim and never expanded again. Every other brace stays exactly as written: a JSON example
(`{"verdict": "PASS"}`, `{"a": {"b": 1}}`), `{0}`, `{}`. A backslash right before a placeholder
makes it literal text: `\\{score}` renders as `{score}`. A `{{ ... }}` that is not a plain name
(Jinja filters, attributes, calls) and a `{% ... %}` statement are refused, since they would
reach the model unfilled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from evalign.errors import ConfigError
from evalign.items import Item

_NAME = r"[^\W\d]\w*"  # an identifier, in any script: {question}, {frage}, {问题}
_TOKEN = re.compile(
    r"(?P<escape>\\)?(?:"
    rf"\{{\{{[ \t]*(?P<mustache>{_NAME})[ \t]*\}}\}}"  # {{ name }}
    rf"|\{{\{{(?P<expression>[ \t]*[^\W\d][^{{}}]*?)\}}\}}"  # {{ name | filter }}, {{ a.b }}
    r"|\{%(?P<statement>.*?)%\}"  # {% if ... %}
    rf"|\{{(?P<name>{_NAME})\}})",  # {name}
    re.DOTALL,
)
OUTPUT_FIELDS = frozenset({"output", "response", "output_1", "output_2"})
EXPECTATION_FIELDS = frozenset({
    "expectations", "expectation", "expected", "expected_output", "expected_response",
    "expected_answer", "expected_facts", "reference", "references", "reference_answer",
    "reference_output", "ground_truth", "gold", "gold_answer", "ideal", "ideal_answer",
    "grading_notes", "guidelines", "rubric",
})
GATHERED = ("inputs", "outputs", "expectations")


@dataclass(frozen=True)
class Placeholder:
    """One placeholder as the template spells it: `name` and the text written, e.g. `{{ q }}`."""

    name: str
    text: str


def placeholders(template: str) -> list[Placeholder]:
    """The placeholders a template uses, first spelling of each name, in first-use order.

    Raises:
        ConfigError: a `{{ ... }}` that is not a plain name, or a `{% ... %}` statement.
    """
    seen: dict[str, Placeholder] = {}
    unsupported: list[str] = []
    for match in _TOKEN.finditer(template):
        if match.group("escape"):
            continue
        name = match.group("mustache") or match.group("name")
        if name:
            seen.setdefault(name, Placeholder(name, match.group(0)))
        else:
            unsupported.append(match.group(0))
    if unsupported:
        shown = ", ".join(dict.fromkeys(unsupported))
        raise ConfigError(
            f"the judge template uses {shown}: evalign fills plain names only ({{field}} or "
            "{{ field }}), not Jinja filters, attributes or statements. Use the field's name, "
            "or write a backslash before it to keep it as literal text"
        )
    return list(seen.values())


def template_fields(template: str) -> list[str]:
    """The field names a template uses, in first-use order, without duplicates.

    Raises:
        ConfigError: as `placeholders`.
    """
    return [p.name for p in placeholders(template)]


def available_fields(values: Mapping[str, str]) -> list[str]:
    """The names a template may use on an item with these field values (`Item.fields()`).

    The item's own fields, then `inputs`, `outputs` and `expectations` where the item has
    something to fill them with.
    """
    names = list(values)
    gathered = {"inputs": _input_names(values), "outputs": "output" in values,
                "expectations": _expectation_names(values)}
    names += [n for n in GATHERED if gathered[n] and n not in values]
    return names


def missing_fields(template: str, available: Iterable[str]) -> list[str]:
    """The names the template uses that are not among `available`."""
    have = set(available)
    return [name for name in template_fields(template) if name not in have]


def check_fields(template: str, available: Iterable[str], *, where: str = "the item") -> None:
    """Refuse a template that names fields `available` (see `available_fields`) lacks.

    Raises:
        ConfigError: lists the missing placeholders, every field the judge needs, the fields
            there are, and what to do (give the field, or map a column on import).
    """
    have = set(available)
    missing = [p for p in placeholders(template) if p.name not in have]
    if missing:
        first = missing[0].name
        raise ConfigError(
            f"the judge template uses {', '.join(p.text for p in missing)} but {where} has no "
            f"such field; the judge needs {', '.join(template_fields(template))}, and "
            f"{where} has {', '.join(sorted(have)) or '(none)'}. Give {where} a {first!r} "
            "field; for a dataset, " + _remedy([p.name for p in missing], capital=False)
        )


def check_items(template: str, items: Iterable[Item], *, where: str = "the dataset") -> None:
    """Refuse up front a template that names fields some items lack, or no field at all.

    Raises:
        ConfigError: lists the missing placeholders, how many items lack them, and the fields
            there are; or says that the template names no item field (every item would get the
            same prompt).
    """
    wanted = placeholders(template)
    lacking: dict[str, int] = {}
    have: set[str] = set()
    first = ""
    for item in items:
        fields = set(available_fields(item.fields()))
        have.update(fields)
        for placeholder in wanted:
            if placeholder.name not in fields:
                lacking[placeholder.text] = lacking.get(placeholder.text, 0) + 1
                first = first or item_name(item)
    listing = ", ".join(sorted(have)) or "(none)"
    # A decomposed judge may have an empty prompt: it sends its checks, never the prompt.
    if not wanted and template.strip():
        raise ConfigError(
            "the judge template names no item field, so every item would get the same prompt "
            f"and the judge would never see the item. Fields in {where}: {listing}; name them "
            "as {field} or {{ field }}"
        )
    if lacking:
        counts = ", ".join(f"{text} ({n} items)" for text, n in lacking.items())
        raise ConfigError(
            f"the judge template uses fields that {where} lacks: {counts}"
            + (f", e.g. item {first}" if first else "")
            + f". Fields there: {listing}. "
            + _remedy([p.name for p in wanted if p.text in lacking])
        )


def item_name(item: Item) -> str:
    """The item's external id, else its stored id, else "" (an item built in memory)."""
    return item.external_id or (str(item.id) if item.id is not None else "")


def _remedy(names: list[str], *, capital: bool = True) -> str:
    """What to do about missing fields: rename, map a column, or join a reference file."""
    name = names[0] if names else "FIELD"
    text = (f"{'R' if capital else 'r'}ename the placeholders or map the columns on import "
            f"(--map {name}=COLUMN)")
    if any(n.lower() in EXPECTATION_FIELDS for n in names):
        text += (f", or join {name} from a side file on import (--references FILE "
                 "--references-key FIELD)")
    return text


def render(template: str, values: Mapping[str, str], *, where: str = "the item") -> str:
    """Fill the template's placeholders with `values` (`Item.fields()`), verbatim.

    Raises:
        ConfigError: a placeholder has no value (lists the missing and available names), or
            the template holds a `{{ ... }}` / `{% ... %}` that is not a plain name.
    """
    used = {p.name for p in placeholders(template)}
    check_fields(template, available_fields(values), where=where)
    filled = {name: _value(name, values, used) for name in used}

    def substitute(match: re.Match[str]) -> str:
        if match.group("escape"):
            return match.group(0)[1:]
        return filled[match.group("mustache") or match.group("name")]

    return _TOKEN.sub(substitute, template)


def _value(name: str, values: Mapping[str, str], used: set[str]) -> str:
    if name in values:
        return values[name]
    if name == "outputs":
        if "output_2" in values:
            return _lines(values, ["output_1", "output_2"])
        return values["output"]
    expectations = _expectation_names(values)
    if name == "expectations":
        return _lines(values, expectations)
    skip = set(expectations) if "expectations" in used else set()
    return _lines(values, [n for n in _input_names(values) if n not in skip])


def _input_names(values: Mapping[str, str]) -> list[str]:
    # `Item.fields()` adds `response` as an alias of the output unless an input has that name.
    return [n for n in values if n not in OUTPUT_FIELDS
            or (n == "response" and values["response"] != values.get("output"))]


def _expectation_names(values: Mapping[str, str]) -> list[str]:
    return [n for n in _input_names(values) if n.lower() in EXPECTATION_FIELDS]


def _lines(values: Mapping[str, str], names: Iterable[str]) -> str:
    return "\n".join(f"{name}: {values[name]}" for name in names)
