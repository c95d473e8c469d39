"""OpenAI chat JSONL, as in OpenPipe's criterion alignment sets and chat-completion logs.

Each line is an OpenAI chat row — `messages` (system/user/assistant/tool), optional `tools` —
plus an optional human label: `judgement` (`PASS`/`FAIL`, any spelling `evalign.data.spellings`
reads), or any one key that names a label (`label`, `human_label`, ...; `--map label=KEY` picks
one when several do). The last assistant message is the item's output; the messages before it,
and the tools, are its inputs. Shapes real exports write are all read:

- `content` as a string, as null, missing (a tool-call turn), or a list of parts (text parts
  joined; image and audio parts kept in the stored messages for providers that take parts, shown
  as `[image]` / `[audio]` in any text view, with a warning at import);
- `tool_calls` and the legacy `function_call`, rendered `name({"arg": 1})`;
- a `refusal` (with null content): the refusal is the output and `metadata.refusal` is true.

A row with no assistant message, or whose last assistant message holds none of these, has
nothing to judge and is refused with its line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from evalign.data.columns import label_candidates, likeliest
from evalign.data.reader import Origin, Record
from evalign.data.records import DEFAULT_ANNOTATOR, DEFAULT_CRITERION, LabelIn, Row
from evalign.data.scales import Scales, is_blank, label_value
from evalign.data.spellings import binary_label, is_placeholder
from evalign.items import MEDIA_PARTS, Item, message_text
from evalign.scores import PASS_FAIL

DEFAULT_SCALE = PASS_FAIL
_RESERVED = {"messages", "tools", "id"}
_ANSWER_KEYS = ("content", "tool_calls", "function_call", "refusal", "audio")
MEDIA_NOTE = ("rows hold image, audio or file parts: they stay in the stored messages for "
              "providers that take content parts, and a text prompt shows them as [image] / "
              "[audio], never as base64")
EMPTY_NOTE = "rows whose assistant reply is empty text: a judge grades an empty output there"


def parse(
    source: Origin,
    records: Iterable[Record],
    scales: Scales,
    *,
    mapping: Mapping[str, str] | None = None,
    criterion: str | None = None,
    annotator: str | None = None,
) -> Iterator[Row]:
    """Rows from OpenAI chat records.

    Args:
        mapping: `label` (and `annotator`) may name the keys to read them from.

    Raises:
        DataError: missing or malformed `messages`, nothing to judge, a bad label, or two keys
            that could each be the label.
    """
    name = criterion or DEFAULT_CRITERION
    explicit = dict(mapping or {})
    for line, record in records:
        yield _row(source, line, record, name, scales, annotator or DEFAULT_ANNOTATOR, explicit)


def _row(
    source: Origin, line: int, record: dict[str, Any], criterion: str, scales: Scales,
    annotator: str, mapping: dict[str, str],
) -> Row:
    messages = _messages(source, line, record)
    last = _last_assistant(source, line, messages)
    answer = messages[last]
    output = render_output(answer)
    if not output and not isinstance(answer.get("content"), str):
        raise source.error(
            f"the last assistant message (messages[{last}]) has no content, tool call or "
            "refusal: there is nothing to judge; add the reply or remove the line", line)
    inputs: dict[str, Any] = {"messages": messages[:last]}
    if record.get("tools") is not None:
        inputs["tools"] = record["tools"]
    label_key = _label_key(source, line, record, mapping)
    taken = {label_key, mapping.get("annotator")}
    metadata = {k: v for k, v in record.items() if k not in _RESERVED and k not in taken}
    metadata.update(_answer_metadata(answer))
    if last + 1 < len(messages):
        metadata["after_output"] = messages[last + 1:]
    item = Item(inputs, output, None, metadata, _id(record))
    who = str(record.get(mapping.get("annotator", ""), "") or "").strip() or annotator
    label = _label(source, line, record, label_key, criterion, scales, who)
    notes = tuple(note for note, holds in ((MEDIA_NOTE, _has_media(messages)),
                                           (EMPTY_NOTE, not output)) if holds)
    return Row(item, (label,) if label else (), line, notes)


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
        "no assistant message: the last assistant message is the output to judge; add the "
        "reply to judge, or remove the line", line
    )


def render_output(message: dict[str, Any]) -> str:
    """An assistant message as text: its content (text parts joined), one `name(arguments)`
    line per tool call or legacy function call, or its refusal when it has no content."""
    return message_text(message)


def _answer_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if answer.get("tool_calls"):
        found["tool_calls"] = answer["tool_calls"]
    if isinstance(answer.get("function_call"), dict):
        found["function_call"] = answer["function_call"]
    if isinstance(answer.get("refusal"), str) and answer["refusal"].strip():
        found["refusal"] = True
    if isinstance(answer.get("content"), list):
        found["content_parts"] = answer["content"]  # the reply as the model wrote it
    return found


def _has_media(messages: list[dict[str, Any]]) -> bool:
    for message in messages:
        content = message.get("content")
        if isinstance(content, list) and any(
            isinstance(p, dict) and p.get("type") in MEDIA_PARTS for p in content
        ):
            return True
        if message.get("audio"):
            return True
    return False


def _id(record: dict[str, Any]) -> str:
    value = record.get("id")
    return "" if value is None else str(value)


def _label_key(source: Origin, line: int, record: dict[str, Any],
               mapping: dict[str, str]) -> str | None:
    if "label" in mapping:
        return mapping["label"]
    keys = [k for k in record if k not in _RESERVED and k not in _ANSWER_KEYS]
    candidates = label_candidates(keys)
    if len(candidates) > 1:
        quoted = ", ".join(repr(c) for c in candidates)
        example = likeliest(candidates)
        raise source.error(
            f"{len(candidates)} keys could hold the human label ({quoted}) and evalign does "
            f"not guess which: name it with --map label=KEY (e.g. --map label={example})", line)
    return candidates[0] if candidates else None


def _label(
    source: Origin, line: int, record: dict[str, Any], key: str | None, criterion: str,
    scales: Scales, annotator: str,
) -> LabelIn | None:
    if key is None or is_blank(record.get(key)):
        return None
    raw, scale = record[key], scales.scale(criterion)
    if scale.kind == "pass_fail" and binary_label(raw) is None and not is_placeholder(raw):
        raise source.error(f'"{key}" must be PASS or FAIL, got {json.dumps(raw)}', line)
    return LabelIn(criterion, label_value(source, line, key, raw, scale), annotator)
