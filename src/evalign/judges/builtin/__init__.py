"""The built-in judges: YAML files next to this module, written by evalign's authors.

Built-in judges are read-only in the store; fork one to change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evalign.judges.serialize import load_file, spec_from_dict
from evalign.judges.spec import JudgeSpec

_FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class BuiltinJudge:
    """One built-in judge: its name, what it judges, and its content."""

    name: str
    description: str
    spec: JudgeSpec


def builtin_judges() -> list[BuiltinJudge]:
    """Every built-in judge, by name."""
    found = []
    for path in sorted(_FOLDER.glob("*.yaml")):
        data = load_file(path)
        found.append(BuiltinJudge(str(data.get("name", path.stem)),
                                  str(data.get("description", "")),
                                  spec_from_dict(data, source=str(path))))
    return found
