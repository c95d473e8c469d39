"""C13: OpenAI chat rows as real exports write them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.field_cases.harness import FieldCase, exported


def _one(case: FieldCase, name: str) -> dict[str, Any]:
    case.ok("import", case.path(f"{name}.jsonl"), "--dataset", name)
    rows = exported(case, name)
    assert len(rows) == 1, rows
    return rows[0]


def _labels(row: dict[str, Any]) -> list[object]:
    return [label["value"] for label in row["labels"]]


def test_outputs_of_every_shape(field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C13-openai-jsonl-variants")
    # (a) content as a list of text parts.
    assert _one(case, "a_parts")["output"] == "Order 77 is cancelled."
    # (b) a tool call, with no content key at all.
    row = _one(case, "b_toolcall_no_content_key")
    assert row["output"] == 'cancel_order({"order": 77})' and _labels(row) == ["pass"]
    # (h) multi-turn: the last reply is the output, earlier turns are input.
    row = _one(case, "h_multi_turn")
    assert row["output"] == "Order 77 is cancelled."
    assert "Which order?" in str(row["inputs"]) and "77" in str(row["inputs"])
    # (f) `judgement` spelled pass / Fail.
    case.ok("import", case.path("f_lowercase_judgement.jsonl"), "--dataset", "f")
    assert [_labels(r) for r in exported(case, "f")] == [["pass"], ["fail"]]


def test_legacy_function_call_is_an_output_not_empty(
        field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C13-openai-jsonl-variants")
    result = case.run("import", case.path("c_legacy_function_call.jsonl"), "--dataset", "c")
    if result.code != 0:
        assert result.code == 2 and "c_legacy_function_call.jsonl:1" in result.err, str(result)
        return
    row = exported(case, "c")[0]
    assert row["output"] == 'cancel_order({"order": 78})' and _labels(row) == ["fail"]


def test_a_refusal_is_the_output(field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C13-openai-jsonl-variants")
    row = _one(case, "g_refusal")
    assert row["output"] == "I cannot cancel orders." and _labels(row) == ["fail"]
    assert row["metadata"].get("refusal") is True, row


def test_no_assistant_turn_is_refused_or_flagged(field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C13-openai-jsonl-variants")
    result = case.run("import", case.path("e_no_assistant.jsonl"), "--dataset", "e")
    if result.code != 0:
        assert result.code == 2 and "e_no_assistant.jsonl:1" in result.err, str(result)
        return
    row = exported(case, "e")[0]
    assert not row["output"], row
    assert "warning" in result.text and "output" in result.text, str(result)


def test_the_judge_reads_text_not_json_or_base64(field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C13-openai-jsonl-variants")
    for name in ("a_parts", "d_image_part", "d2_large_image", "g_refusal"):
        case.ok("import", case.path(f"{name}.jsonl"), "--dataset", name)
    with case.mock() as mock:
        case.ok("judge", "create", "j", "--prompt-file", case.path("prompt.txt"),
                "--model", "openai/whatever", "--dataset", "a_parts")
        for name in ("a_parts", "d_image_part", "d2_large_image", "g_refusal"):
            # --no-cache: both image rows render the same text, and each prompt is checked.
            run = case.run("run", "j", "--dataset", name, "--no-cache")
            assert run.code == 0, str(run)
        prompts = mock.user_prompts()
        requests = mock.requests()
    assert len(prompts) == 4, prompts
    parts, image, large, refusal = prompts
    # (a) the conversation as text in {messages}, not a list of dicts.
    assert "Cancel order 77." in parts and "Order 77 is cancelled." in parts
    assert '"role"' not in parts and "'role'" not in parts and '"type"' not in parts, parts
    # (d) the text kept and the image noted (or sent as an image part, to an endpoint that
    # takes parts), never kilobytes of base64 as prompt text.
    for text, request in ((image, requests[1]), (large, requests[2])):
        assert "What colour is the car?" in text, text
        assert "[image]" in text or _has_image_part(request["body"]), text
        assert "base64" not in text and "iVBOR" not in text and len(text) < 2000, text[:500]
    # (g) the refusal text is what the judge grades.
    assert "I cannot cancel orders." in refusal


def _has_image_part(body: dict[str, Any]) -> bool:
    return any(isinstance(m.get("content"), list)
               and any(isinstance(p, dict) and p.get("type") == "image_url" for p in m["content"])
               for m in body["messages"])
