"""The first step of reading a judge's answer: clean text, with reasoning blocks set aside.

Reasoning models write their thinking before the answer, in a block whose text is *not* the
verdict (`<think>…</think>`, `<thinking>`, `<reasoning>`, `[THINK]…[/THINK]`,
`<|begin_of_thought|>…<|end_of_thought|>`, the harmony format's `analysis` channel). A verdict-like
line inside such a block is the model trying ideas out, so the block is set aside before
anything is read. A block that is opened and never closed means the answer was cut off while
the model was still thinking (typically `max_tokens`): there is no verdict to read, and
`ParseError(kind="unreadable")` says so. A lone closing tag (a chat template that opened the
block in the prompt) sets aside everything before it.

Cleaning is what no reader should have to think about: Unicode compatibility forms (full-width
`ＰＡＳＳ`, the ideographic colon `：`) become plain ones, and invisible marks (zero-width spaces,
right-to-left marks, byte-order marks, soft hyphens) are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from evalign.errors import ParseError

# Zero-width and direction marks change nothing a reader sees.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
                        "\ufeff]")
_NAMES = (r"think|thinking|thought|thoughts|reasoning|reflection|scratchpad|analysis|"
          r"inner_monologue|internal_thoughts|chain_of_thought|cot")
_OPEN = re.compile(
    rf"<\s*(?:{_NAMES})\s*>|<\|\s*(?:begin_of_)?(?:{_NAMES})\s*\|>|\[\s*(?:{_NAMES})\s*\]"
    rf"|◁\s*(?:{_NAMES})\s*▷",
    re.IGNORECASE,
)
_CLOSE = re.compile(
    rf"<\s*/\s*(?:{_NAMES})\s*>|<\|\s*(?:end_of_|/)(?:{_NAMES})\s*\|>|\[\s*/\s*(?:{_NAMES})\s*\]"
    rf"|◁\s*/\s*(?:{_NAMES})\s*▷",
    re.IGNORECASE,
)
# The harmony format (gpt-oss): channels `analysis` (thinking) and `final` (the answer).
_HARMONY_FINAL = re.compile(r"<\|channel\|>\s*final\s*<\|message\|>", re.IGNORECASE)
_HARMONY_ANY = re.compile(r"<\|channel\|>", re.IGNORECASE)
_HARMONY_TAGS = re.compile(r"<\|(?:end|return|start|call)\|>(?:assistant)?", re.IGNORECASE)


@dataclass(frozen=True)
class Visible:
    """An answer with its reasoning blocks set aside.

    Attributes:
        answer: the text outside every reasoning block, cleaned; what the verdict is read from.
        thinking: the text of the reasoning blocks, joined (kept as the verdict's reasoning
            when the answer itself gives none).
    """

    answer: str
    thinking: str


def clean(text: str) -> str:
    """`text` in Unicode compatibility form (NFKC), without invisible marks, with `\n` lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def set_aside_reasoning(text: str, *, raw: str) -> Visible:
    """Split cleaned `text` into the answer and its reasoning blocks.

    Args:
        text: the answer after `clean`.
        raw: the answer as received, kept in any error.

    Raises:
        ParseError: kind `unreadable` when a reasoning block is opened and never closed.
    """
    harmony = _harmony(text, raw)
    if harmony is not None:
        return harmony
    answer: list[str] = []
    thinking: list[str] = []
    rest = text
    first_close = _CLOSE.search(rest)
    first_open = _OPEN.search(rest)
    if first_close and (first_open is None or first_close.start() < first_open.start()):
        thinking.append(rest[:first_close.start()])  # the template opened the block
        rest = rest[first_close.end():]
    while (opened := _OPEN.search(rest)) is not None:
        answer.append(rest[:opened.start()])
        closed = _CLOSE.search(rest, opened.end())
        if closed is None:
            raise ParseError(
                "the answer ends inside a reasoning block (" + opened.group(0) + " is never "
                "closed): the model was cut off before its verdict; raise max_tokens",
                raw=raw, kind="unreadable")
        thinking.append(rest[opened.end():closed.start()])
        rest = rest[closed.end():]
    answer.append(rest)
    return Visible("".join(answer).strip(), "\n".join(t.strip() for t in thinking).strip())


def _harmony(text: str, raw: str) -> Visible | None:
    if _HARMONY_ANY.search(text) is None:
        return None
    final = list(_HARMONY_FINAL.finditer(text))
    if not final:
        raise ParseError("the answer has only a reasoning channel and no final channel: the "
                         "model was cut off before its verdict", raw=raw, kind="unreadable")
    head, tail = text[:final[-1].start()], text[final[-1].end():]
    return Visible(_HARMONY_TAGS.sub("", tail).strip(),
                   _HARMONY_TAGS.sub("", re.sub(r"<\|[^|>]*\|>", " ", head)).strip())
