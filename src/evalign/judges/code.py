"""Code judges: Python functions `(item) -> value` registered under a name.

There is no module-level registry: callers pass a `CodeJudges` object. A name resolves, in order,
to a function registered on that object, to an installed entry point in the group
`evalign.code_judges`, or — when it has the form `module:function` — to that importable function.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from importlib.metadata import entry_points
from typing import Any

from evalign.errors import ConfigError, NotFoundError
from evalign.items import Item

CodeFunction = Callable[[Item], Any]
"""A code judge: takes an item, returns a value on the judge's scale (or an awaitable of one)."""

ENTRY_POINT_GROUP = "evalign.code_judges"


class CodeJudges:
    """A registry of code judge functions.

    Args:
        functions: initial `name -> function` entries.
        entry_points: also look names up among installed `evalign.code_judges` entry points.
    """

    def __init__(self, functions: Mapping[str, CodeFunction] | None = None, *,
                 entry_points: bool = True):
        self._functions: dict[str, CodeFunction] = dict(functions or {})
        self._use_entry_points = entry_points

    @classmethod
    def from_references(cls, references: list[str] | None) -> CodeJudges:
        """A registry of `NAME=module:function` entries (a bare `module:function` is its own
        name), as `evalign run --code` takes them.

        Raises:
            ConfigError: a reference cannot be imported or is not callable.
        """
        judges = cls()
        for reference in references or []:
            name, sep, target = reference.partition("=")
            judges.register(name if sep else reference, load_function(target if sep else reference))
        return judges

    def register(self, name: str, function: CodeFunction) -> CodeFunction:
        """Register `function` under `name` (replacing an earlier one) and return it."""
        if not callable(function):
            raise ConfigError(f"code judge {name!r} must be callable, got {type(function)}")
        self._functions[name] = function
        return function

    def get(self, name: str) -> CodeFunction:
        """The function registered (or installed, or importable) under `name`.

        Raises:
            NotFoundError: nothing answers to the name.
            ConfigError: `module:function` names something that cannot be imported.
        """
        if name in self._functions:
            return self._functions[name]
        found = self._from_entry_points(name)
        if found is not None:
            return found
        if ":" in name:
            return load_function(name)
        known = ", ".join(sorted(self._functions)) or "none registered"
        raise NotFoundError(
            f"no code judge named {name!r} ({known}): register it, install a package with an "
            f"`{ENTRY_POINT_GROUP}` entry point, or pass --code module:function"
        )

    def names(self) -> list[str]:
        """The names registered on this object."""
        return sorted(self._functions)

    def __contains__(self, name: object) -> bool:
        return name in self._functions

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def _from_entry_points(self, name: str) -> CodeFunction | None:
        if not self._use_entry_points:
            return None
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            if entry.name == name:
                function: Any = entry.load()
                return self.register(name, function)
        return None


def load_function(reference: str) -> CodeFunction:
    """Import `module:function` (the function may be a dotted attribute path).

    Raises:
        ConfigError: the module or the attribute is missing, or it is not callable.
    """
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ConfigError(f"code judge {reference!r}: write it as module:function")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"code judge {reference!r}: cannot import {module_name}: {exc}") from exc
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ConfigError(f"code judge {reference!r}: {module_name} has no {attribute}")
        target = getattr(target, part)
    if not callable(target):
        raise ConfigError(f"code judge {reference!r} is not callable")
    function: CodeFunction = target
    return function
