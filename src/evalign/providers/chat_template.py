"""Rendering chat messages into one prompt string with the model's own chat template.

GGUF files carry their Jinja chat template (`tokenizer.chat_template`); llama-cpp-python's
`Jinja2ChatFormatter` renders it as Hugging Face does. A file without one falls back to
ChatML, the format of the Qwen models in the catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalign.items import as_text

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


class ChatTemplate:
    """The chat template of one loaded model.

    Args:
        template: the Jinja template text.
        bos_token: the model's begin-of-sequence token text.
        eos_token: the model's end-of-sequence token text.
    """

    def __init__(self, template: str, bos_token: str = "", eos_token: str = ""):
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self._formatter = Jinja2ChatFormatter(
            template=template, eos_token=eos_token, bos_token=bos_token
        )

    @classmethod
    def for_llama(cls, llama: Any) -> ChatTemplate:
        """The template a loaded `Llama` carries, or ChatML."""
        template = llama.metadata.get("tokenizer.chat_template") or CHATML
        return cls(template, _token_text(llama, llama.token_bos()),
                   _token_text(llama, llama.token_eos()))

    def render(self, messages: Sequence[dict[str, Any]]) -> str:
        """The prompt text for `messages`, ending where the assistant's answer begins."""
        plain = [{"role": m.get("role", "user"), "content": _content(m.get("content"))}
                 for m in messages]
        return str(self._formatter(messages=plain).prompt)  # type: ignore[arg-type]


def _content(content: Any) -> str:
    # OpenAI-style content parts: keep the text parts, in order.
    if isinstance(content, list):
        return "".join(as_text(p.get("text")) for p in content if isinstance(p, dict))
    return as_text(content)


def _token_text(llama: Any, token: int) -> str:
    if token < 0:
        return ""
    return str(llama._model.token_get_text(token))
