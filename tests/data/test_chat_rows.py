"""OpenAI chat rows in the shapes real exports write, and JSON nested too deep to read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalign.data.importer import import_file
from evalign.errors import DataError
from evalign.items import Item, as_text, message_text
from evalign.jsondepth import MAX_DEPTH, too_deep
from evalign.store import Store
from evalign.store.repo_items import get_dataset, iter_items

USER = {"role": "user", "content": "Cancel order 77, please."}


def _import(store: Store, tmp_path: Path, *rows: dict[str, Any]) -> tuple[list[Item], list[str]]:
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = import_file(store, path, "chat")
    with store.session() as s:
        return list(iter_items(s, get_dataset(s, "chat").id)), summary.warnings


@pytest.mark.parametrize(("reply", "output"), [
    ({"content": [{"type": "output_text", "text": "Done"}, {"type": "text", "text": "Bye"}]},
     "Done\nBye"),
    ({"tool_calls": [{"type": "function", "function": {"name": "f", "arguments": '{"a":1}'}},
                     {"type": "function", "function": {"name": "g", "arguments": "not json"}}]},
     'f({"a": 1})\ng(not json)'),
    ({"content": "Let me check.", "function_call": {"name": "f", "arguments": "{}"}},
     "Let me check.\nf({})"),
    ({"content": [{"type": "refusal", "refusal": "I can't."}]}, "I can't."),
    ({"content": None, "refusal": "No.", "tool_calls": []}, "No."),
])
def test_reply_shapes(sqlite_store: Store, tmp_path: Path, reply: dict[str, Any],
                      output: str) -> None:
    items, _ = _import(sqlite_store, tmp_path,
                       {"messages": [USER, {"role": "assistant", **reply}], "judgement": "PASS"})
    assert items[0].output == output


def test_an_empty_reply_is_kept_but_warned_and_a_missing_one_refused(sqlite_store: Store,
                                                                     tmp_path: Path) -> None:
    items, warnings = _import(sqlite_store, tmp_path,
                              {"messages": [USER, {"role": "assistant", "content": ""}]})
    assert items[0].output == "" and any("empty" in w for w in warnings)
    path = tmp_path / "none.jsonl"
    path.write_text(json.dumps({"messages": [USER, {"role": "assistant"}]}) + "\n")
    with pytest.raises(DataError, match=r"^none\.jsonl:1: the last assistant message "
                                        r"\(messages\[1\]\) has no content"):
        import_file(sqlite_store, path, "none")


def test_audio_parts_are_named_not_pasted(sqlite_store: Store, tmp_path: Path) -> None:
    audio = {"type": "input_audio", "input_audio": {"data": "UklGR" * 2000, "format": "wav"}}
    items, warnings = _import(sqlite_store, tmp_path, {"messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Transcribe"}, audio]},
        {"role": "assistant", "content": "Hello."}]})
    assert items[0].fields()["messages"] == "system: Be brief.\n\nuser: Transcribe\n[audio]"
    assert items[0].inputs["messages"][1]["content"][1] == audio
    assert any("[audio]" in w for w in warnings)


def test_transcript_renders_tool_turns() -> None:
    call = {"type": "function", "function": {"name": "lookup", "arguments": '{"id": 7}'}}
    messages = [USER, {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "t", "content": '{"ok": true}'}]
    assert as_text(messages) == ('user: Cancel order 77, please.\n\nassistant: lookup({"id": 7})'
                                 '\n\ntool: {"ok": true}')
    assert as_text([{"a": 1}]) == '[{"a": 1}]'  # not chat: JSON as before
    assert message_text({"role": "assistant", "audio": {"id": "a1"}}) == "[audio]"


# ---- nesting --------------------------------------------------------------------------------

def test_depth_scan_ignores_brackets_inside_strings() -> None:
    assert too_deep('{"a": "' + "[" * 1000 + '"}') is None
    assert too_deep("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)) == MAX_DEPTH
    assert too_deep("[" * MAX_DEPTH + "]" * MAX_DEPTH) is None


@pytest.mark.parametrize(("name", "text", "line"), [
    ("deep.jsonl", '{"response": "a"}\n{"response": "b", "x": ' + "[" * 1000 + "]" * 1000 + "}\n",
     2),
    ("deep.json", '[{"response": "a"},\n {"response": "b",\n  "x": ' + '{"k": ' * 5000 + "1"
     + "}" * 5000 + "}]\n", 3),
    ("mid.jsonl", '{"response": "b", "x": ' + "[" * 300 + "]" * 300 + "}\n", 1),
])
def test_deep_json_is_refused_with_its_line(sqlite_store: Store, tmp_path: Path, name: str,
                                            text: str, line: int) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(DataError, match=rf"^{name}:{line}: JSON nested more than {MAX_DEPTH}"):
        import_file(sqlite_store, tmp_path / name, "deep")


def test_deep_tool_arguments_stay_the_text_the_model_wrote(sqlite_store: Store,
                                                           tmp_path: Path) -> None:
    arguments = "[" * 5000 + "]" * 5000
    call = {"type": "function", "function": {"name": "f", "arguments": arguments}}
    items, _ = _import(sqlite_store, tmp_path, {"messages": [
        USER, {"role": "assistant", "content": None, "tool_calls": [call]}]})
    assert items[0].output == f"f({arguments})"


def test_anthropic_style_parts_and_a_lone_part_read_as_text() -> None:
    reply = {"role": "assistant", "content": [
        {"type": "text", "text": "Cancelling."},
        {"type": "tool_use", "id": "t", "name": "cancel_order", "input": {"order": 77}}]}
    assert message_text(reply) == 'Cancelling.\ncancel_order({"order": 77})'
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t",
                                           "content": [{"type": "text", "text": "ok"}]}]}
    assert message_text(result) == "ok"
    assert message_text({"role": "user", "content": {"type": "text", "text": "hi"}}) == "hi"
