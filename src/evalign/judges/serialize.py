"""Judge versions as plain dicts (YAML / JSON export, import and the built-in judge files).

The dict holds everything a version is — kind, prompt, scale, model, params, few-shot examples,
threshold, checks, guidelines — plus the judge's name, description, criterion and the version's
provenance, so `export` then `import` gives back an identical version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from evalign.errors import ConfigError, DataError
from evalign.jsondepth import MAX_DEPTH, yaml_too_deep
from evalign.judges.spec import JudgeSpec
from evalign.scores import ScoreConfig

_SPEC_KEYS = ("kind", "prompt", "scale", "model", "params", "few_shot", "threshold", "checks",
              "guidelines")


def spec_to_dict(spec: JudgeSpec) -> dict[str, Any]:
    """The version's content as a JSON/YAML-ready dict (scale as its short spec string)."""
    data = spec.model_dump(mode="json")
    data["scale"] = spec.scale.spec()
    return {key: data[key] for key in _SPEC_KEYS}


def spec_from_dict(data: dict[str, Any], *, source: str = "judge") -> JudgeSpec:
    """Read a version's content from a dict (extra keys such as name are ignored here).

    Raises:
        ConfigError: a field is missing or invalid; names the source.
    """
    content = {key: data[key] for key in _SPEC_KEYS if key in data and data[key] is not None}
    try:
        if "scale" in content:
            content["scale"] = ScoreConfig.parse(content["scale"])
        return JudgeSpec.model_validate(content)
    except (ValidationError, ConfigError) as exc:
        raise ConfigError(f"{source}: not a valid judge: {exc}") from exc


def dump(data: dict[str, Any], fmt: str) -> str:
    """`data` as YAML or JSON text."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    raise ConfigError(f"unknown format {fmt!r}: use yaml or json")


def load_file(path: str | Path) -> dict[str, Any]:
    """Read a judge file (YAML or JSON, which is YAML too).

    Raises:
        DataError: the file is missing, unreadable, nested deeper than `MAX_DEPTH` levels
            (with the line where it goes too deep) or not a mapping.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
        _check_depth(text, file)
        data = yaml.safe_load(text)
    except FileNotFoundError:
        raise DataError("file not found", source=str(file)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DataError(f"not valid YAML/JSON: {exc}", source=str(file), line=line) from exc
    if not isinstance(data, dict):
        raise DataError("a judge file holds one mapping (name, prompt, scale, ...)",
                        source=str(file))
    return data


def _check_depth(text: str, file: Path) -> None:
    """Refuse nesting PyYAML would overflow the stack on, before it parses (see jsondepth)."""
    line = yaml_too_deep(text)
    if line is not None:
        raise DataError(f"nested more than {MAX_DEPTH} levels deep: evalign refuses it rather "
                        "than risk its parser; a judge file nests a few levels at most (name, "
                        "prompt, scale, few_shot, ...): check it is the file you meant",
                        source=str(file), line=line)
