"""How deep a JSON or YAML text nests, checked before Python's parser walks it.

`json.loads` recurses once per level and overflows the interpreter's stack near 1,000 levels
(a `RecursionError` traceback instead of an answer), and so does PyYAML's composer; anything
that stores or renders the value later recurses again. No real evaluation record, judge file or
request body nests anywhere near `MAX_DEPTH`, so deeper text is refused with its line.

It sits beside `errors` at the bottom of the package: importers (data), judge files (judges) and
the web's request bodies all use the one limit.
"""

from __future__ import annotations

import re

import yaml

MAX_DEPTH = 200
"""The deepest nesting of arrays and objects a record may have."""

# A string (brackets inside it do not count) or one bracket.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The offset in `text` where nesting first passes `limit`, or None when it never does.

    Cheap for ordinary text: only when `text` holds more than `limit` opening brackets at all
    is it scanned.
    """
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        elif token in "]}":
            depth = max(depth - 1, 0)
    return None


def line_at(text: str, offset: int, first: int = 1) -> int:
    """The line number of `offset` in `text`, counting the text's first line as `first`."""
    return first + text.count("\n", 0, offset)


def yaml_too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The 1-based line where YAML (or JSON) nesting first passes `limit`, or None.

    Block style nests by indentation, not brackets, so this walks PyYAML's event stream (its
    parser keeps an explicit stack and never recurses) counting open mappings and sequences.
    Cheap for ordinary text: only text with more than `limit` lines or brackets is walked.

    Raises:
        yaml.YAMLError: the text is not valid YAML before the point where it goes too deep.
    """
    if text.count("\n") + text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limit:
                mark = event.start_mark  # the pure-Python parser always sets it
                return mark.line + 1 if mark is not None else 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None
