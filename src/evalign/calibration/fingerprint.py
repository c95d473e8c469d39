"""What a calibration is tied to: the sha256 of a judge version's content.

The hash covers everything that decides a verdict — kind, prompt, scale, model, parameters,
few-shot examples, threshold, checks and guidelines — in a canonical JSON form, so two versions
with identical content hash alike and any edit (a word of the prompt, a temperature) does not.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from evalign.judges.serialize import spec_to_dict
from evalign.judges.spec import JudgeSpec


def spec_content(spec: JudgeSpec) -> dict[str, Any]:
    """The version's content as the dict that is hashed (and stored beside the hash)."""
    return spec_to_dict(spec)


def spec_hash(spec: JudgeSpec | dict[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON of a version's content."""
    content = spec_content(spec) if isinstance(spec, JudgeSpec) else spec
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def changed_parts(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The content keys (prompt, model, params, ...) whose values differ, in a stable order."""
    return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))
