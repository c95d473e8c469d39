"""Items as the judges, runner and optimizers see them: plain frozen records, no database."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Item:
    """One LLM interaction to judge.

    Attributes:
        inputs: named input fields (question, grading_notes, messages, ...).
        output: the output to judge; for a pairwise item, the first output.
        output_2: the second output of a pairwise item.
        metadata: anything else; usable for slices, never shown to a judge.
        external_id: the id the item had in its source file (stable across imports).
        id: the store's id, when the item came from a store.
    """

    inputs: dict[str, Any] = field(default_factory=dict)
    output: str | None = None
    output_2: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    external_id: str = ""
    id: int | None = None

    @property
    def pairwise(self) -> bool:
        """Whether the item holds two outputs to compare."""
        return self.output_2 is not None

    def fields(self) -> dict[str, str]:
        """Every field a judge template may name, as text.

        Inputs come first; `output` (and for pairwise items `output_1` and `output_2`) follow.
        Chat messages read as a transcript (see `as_text`); other non-text values (tool lists)
        are rendered as compact JSON.
        """
        values: dict[str, str] = {k: as_text(v) for k, v in self.inputs.items()}
        if self.output is not None:
            values["output"] = self.output
            values.setdefault("response", self.output)
        if self.output_2 is not None:
            values["output_1"] = self.output or ""
            values["output_2"] = self.output_2
        return values


def as_text(value: Any) -> str:
    """A field value as the text a prompt shows.

    A list of chat messages (`{"role", "content"}`) reads as a transcript, one `role: text`
    block per message, with image and audio parts as `[image]` / `[audio]`: a judge reads the
    conversation, never a JSON dump of it or kilobytes of base64.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if is_chat(value):
        return "\n\n".join(f"{m['role']}: {message_text(m)}" for m in value)
    return json.dumps(value, ensure_ascii=False)


MEDIA_PARTS = {"image_url": "[image]", "image": "[image]", "input_image": "[image]",
               "input_audio": "[audio]", "audio": "[audio]", "file": "[file]",
               "input_file": "[file]", "video_url": "[video]"}
"""Content-part types that are not text, and what a text view shows in their place."""

_TEXT_PARTS = {None, "text", "input_text", "output_text"}


def is_chat(value: Any) -> bool:
    """Whether `value` is a non-empty list of chat messages (objects with a string `role`)."""
    return (isinstance(value, list) and bool(value)
            and all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in value))


def content_text(content: Any) -> str:
    """A message's `content` as text: a string as it is, a list of parts joined by lines."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(t for t in (_part_text(p) for p in content) if t)
    return _part_text(content)


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        return json.dumps(part, ensure_ascii=False)
    kind = part.get("type")
    if kind in _TEXT_PARTS and isinstance(part.get("text"), str):
        return str(part["text"])
    if kind == "refusal":
        return str(part.get("refusal") or "")
    if kind == "tool_use":  # Anthropic's tool call part
        return call_text({"name": part.get("name"), "arguments": part.get("input")})
    if kind == "tool_result":
        return content_text(part.get("content"))
    # Any other part may hold base64 (images, audio, files): name it, never paste it.
    return MEDIA_PARTS.get(str(kind), f"[{kind}]" if kind else "[part]")


def call_text(call: Any) -> str:
    """A tool call (`{"function": {"name", "arguments"}}`) or legacy `function_call` as
    `name({"arg": 1})`."""
    function = call.get("function", call) if isinstance(call, dict) else {}
    function = function if isinstance(function, dict) else {}
    name = function.get("name") or "?"
    arguments = function.get("arguments", "")
    try:
        arguments = json.dumps(json.loads(arguments), ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        arguments = (arguments if isinstance(arguments, str)
                     else json.dumps(arguments, ensure_ascii=False))
    return f"{name}({arguments})"


def message_text(message: dict[str, Any]) -> str:
    """A chat message as text: its content, its tool calls (and legacy `function_call`) as
    `name(arguments)` lines, its refusal when it has no content, `[audio]` for an audio reply."""
    parts = [content_text(message.get("content"))]
    calls = message.get("tool_calls")
    parts.extend(call_text(c) for c in (calls if isinstance(calls, list) else []))
    if isinstance(message.get("function_call"), dict):
        parts.append(call_text(message["function_call"]))
    if not any(parts) and isinstance(message.get("refusal"), str):
        parts.append(message["refusal"])
    if not any(parts) and message.get("audio"):
        parts.append("[audio]")
    return "\n".join(p for p in parts if p)
