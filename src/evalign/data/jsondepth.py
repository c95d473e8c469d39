"""How deep a JSON text nests, checked before Python's parser walks it.

`json.loads` recurses once per level and overflows the interpreter's stack near 1,000 levels
(a `RecursionError` traceback instead of an answer); anything that stores or renders the value
later recurses again. No real evaluation record nests anywhere near `MAX_DEPTH`, so deeper text
is refused with its line.
"""

from __future__ import annotations

import re

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
