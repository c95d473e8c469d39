"""OpenAI chat JSONL, as in OpenPipe's criterion alignment sets.

Each line is an OpenAI fine-tuning row — `messages` (system/user/assistant, tool calls with
`content: null`), optional `tools` — plus an optional `judgement` (`PASS`/`FAIL`, any case).
The last assistant message is the item's output (tool calls rendered as `name({...})` lines);
the messages before it, and the tools, are its inputs. A row without a judgement is unlabeled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from evalign.data.reader import Origin, Record
from evalign.data.records import DEFAULT_ANNOTATOR, DEFAULT_CRITERION, LabelIn, Row
from evalign.data.scales import Scales, label_value
from evalign.items import Item
from evalign.scores import PASS_FAIL

DEFAULT_SCALE = PASS_FAIL
_JUDGEMENT_KEYS = ("judgement", "judgment")
_RESERVED = {"messages", "tools", "id", *_JUDGEMENT_KEYS}


def parse(
    source: Origin,
    records: Iterable[Record],
    scales: Scales,
    *,
    criterion: str | None = None,
    annotator: str | None = None,
) -> Iterator[Row]:
    """Rows from OpenAI chat records.

    Raises:
        DataError: missing or malformed `messages`, no assistant message, a bad judgement.
    """
    name = criterion or DEFAULT_CRITERION
    for line, record in records:
        yield _row(source, line, record, name, scales, annotator or DEFAULT_ANNOTATOR)


def _row(
    source: Origin, line: int, record: dict[str, Any], criterion: str, scales: Scales,
    annotator: str,
) -> Row:
    messages = _messages(source, line, record)
    last = _last_assistant(source, line, messages)
    inputs: dict[str, Any] = {"messages": messages[:last]}
    if record.get("tools") is not None:
        inputs["tools"] = record["tools"]
    metadata = {k: v for k, v in record.items() if k not in _RESERVED}
    answer = messages[last]
    if answer.get("tool_calls"):
        metadata["tool_calls"] = answer["tool_calls"]
    if last + 1 < len(messages):
        metadata["after_output"] = messages[last + 1:]
    item = Item(inputs, render_output(answer), None, metadata, _id(record))
    label = _judgement(source, line, record, criterion, scales, annotator)
    return Row(item, (label,) if label else (), line)


def _messages(source: Origin, line: int, record: dict[str, Any]) -> list[dict[str, Any]]:
    if "messages" not in record:
        raise source.error(
            '"messages" is missing: each line needs a "messages" list (OpenAI chat format)', line
        )
    messages = record["messages"]
    if not isinstance(messages, list) or not messages:
        raise source.error('"messages" must be a non-empty list of {"role", "content"}', line)
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise source.error(f'messages[{index}] must be an object with a "role"', line)
    return messages


def _last_assistant(source: Origin, line: int, messages: list[dict[str, Any]]) -> int:
    for index in range(len(messages) - 1, -1, -1):
        if messages[index]["role"] == "assistant":
            return index
    raise source.error(
        "no assistant message: the last assistant message is the output to judge", line
    )


def render_output(message: dict[str, Any]) -> str:
    """An assistant message as text: its content, then one `name(arguments)` line per tool call."""
    parts: list[str] = []
    content = message.get("content")
    if isinstance(content, str):
        parts.append(content)
    elif isinstance(content, list):
        parts.extend(p.get("text", "") for p in content if isinstance(p, dict) and "text" in p)
    for call in message.get("tool_calls") or []:
        parts.append(_render_call(call))
    return "\n".join(p for p in parts if p)


def _render_call(call: Any) -> str:
    function = call.get("function", {}) if isinstance(call, dict) else {}
    name = function.get("name", "?")
    arguments = function.get("arguments", "")
    try:
        arguments = json.dumps(json.loads(arguments), ensure_ascii=False)
    except (TypeError, ValueError):
        arguments = str(arguments)  # keep what the model wrote, even if not JSON
    return f"{name}({arguments})"


def _id(record: dict[str, Any]) -> str:
    value = record.get("id")
    return "" if value is None else str(value)


def _judgement(
    source: Origin, line: int, record: dict[str, Any], criterion: str, scales: Scales,
    annotator: str,
) -> LabelIn | None:
    key = next((k for k in _JUDGEMENT_KEYS if k in record), None)
    if key is None or record[key] is None:
        return None
    raw = record[key]
    scale = scales.scale(criterion)
    strict = scale.kind == "pass_fail"  # the format allows PASS/FAIL only, not yes/no/1/0
    if strict and (not isinstance(raw, str) or raw.strip().upper() not in ("PASS", "FAIL")):
        raise source.error(f'"{key}" must be PASS or FAIL, got {json.dumps(raw)}', line)
    return LabelIn(criterion, label_value(source, line, key, raw, scale), annotator)
