"""An item's content hash: what `import --replace` matches to carry labels over.

Two items have the same content when their inputs and outputs are equal as JSON values (key
order and whitespace of the file do not matter); metadata and the external id are not content.
Migration 0002 holds a frozen copy of this function to fill in the hashes of existing items: a
change here needs a migration that recomputes them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def content_hash(inputs: dict[str, Any] | None, output: str | None, output_2: str | None) -> str:
    """The sha256 (64 hex digits) of an item's inputs and outputs, as canonical JSON."""
    payload = {"inputs": inputs or {}, "output": output, "output_2": output_2}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
