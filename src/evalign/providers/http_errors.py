"""HTTP failures of hosted providers mapped onto `evalign.errors`, the same for every SDK.

The runner retries `TransientError` and `RateLimitError` (after `retry_after` seconds when the
server says) and gives up on any other `ProviderError`, so this mapping decides what is retried.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping

from evalign.errors import ContextLengthError, ProviderError, RateLimitError, TransientError

# How OpenAI, vLLM, llama.cpp server, Anthropic and others say a prompt does not fit.
_CONTEXT = re.compile(
    r"context[ _-]?(?:length|window)|maximum context|prompt is too long|input is too long|"
    r"too many (?:input )?tokens|exceeds? the (?:model'?s? )?(?:maximum|max|context)",
    re.IGNORECASE,
)


def from_status(message: str, status: int, headers: Mapping[str, str]) -> ProviderError:
    """The error for an HTTP error status: 429 is a rate limit, 408 and 5xx are transient.

    5xx includes Anthropic's 529 "overloaded"; a 400/413/422 that says the prompt is too long
    is a `ContextLengthError`; any other 4xx will fail again unchanged.
    """
    if status in (400, 413, 422) and _CONTEXT.search(message):
        return ContextLengthError(message)
    if status == 429:
        return RateLimitError(message, retry_after=retry_after(headers))
    if status >= 500 or status == 408:
        return TransientError(message)
    return ProviderError(message)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or HTTP date) or `retry-after-ms`."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
