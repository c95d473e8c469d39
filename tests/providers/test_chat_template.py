"""Rendering chat messages with a model's chat template (ChatML when the file has none)."""

from __future__ import annotations

import pytest

pytest.importorskip("llama_cpp", reason="the [local] extra (llama-cpp-python) is missing")

from evalign.providers.chat_template import CHATML, ChatTemplate


def test_chatml_with_generation_prompt() -> None:
    prompt = ChatTemplate(CHATML).render([
        {"role": "system", "content": "Grade strictly."},
        {"role": "user", "content": [{"type": "text", "text": "Is {x} "}, {"type": "text",
                                                                         "text": "ok?"}]},
    ])
    assert prompt == ("<|im_start|>system\nGrade strictly.<|im_end|>\n"
                      "<|im_start|>user\nIs {x} ok?<|im_end|>\n<|im_start|>assistant\n")


def test_template_syntax_in_content_is_not_executed() -> None:
    prompt = ChatTemplate(CHATML).render([{"role": "user", "content": "{{ 7 * 7 }} {% if %}"}])
    assert "{{ 7 * 7 }} {% if %}" in prompt and "49" not in prompt
