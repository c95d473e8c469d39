"""Keeping API keys out of error messages, logs and reprs."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Key shapes providers echo back in error bodies (OpenAI, Anthropic, OpenRouter, bearer tokens).
_KEY_SHAPES = re.compile(r"(sk-[A-Za-z0-9_\-]{6,}|Bearer\s+[A-Za-z0-9_\-\.]{6,})")
_USERINFO = re.compile(r"//[^/@\s]+@")


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Replace every given secret, anything shaped like an API key, and URL passwords."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _KEY_SHAPES.sub("***", _USERINFO.sub("//***@", text))


def redact_url(url: str | None) -> str | None:
    """A URL with any `user:password@` part replaced by `***@`."""
    return None if url is None else _USERINFO.sub("//***@", url)
