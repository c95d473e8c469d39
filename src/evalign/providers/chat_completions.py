"""OpenAI's chat-completions shape, shared by `openai/` and `litellm/`: the optional request
fields (structured output, log-probabilities), which of them an endpoint refused, and the
`GenerateResult` read from a completion as plain JSON.

Both providers build the same request fields and read the same answer, so a verdict does not
depend on which of the two carried it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalign.errors import TransientError
from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.providers.choices import match_choice, probs_from_top_logprobs, value_position

TOP_LOGPROBS = 20  # OpenAI's maximum; enough to hold every verdict token
# What endpoints say when they reject an optional request field rather than the request.
_REFUSAL_WORDS = ("unsupported", "not supported", "unknown parameter", "unrecognized",
                  "not allowed", "not permitted", "extra inputs", "invalid parameter",
                  "does not support")


def response_format(schema: Mapping[str, Any]) -> dict[str, Any]:
    """OpenAI's structured-output request field for a verdict JSON schema."""
    return {"type": "json_schema",
            "json_schema": {"name": "verdict", "strict": True, "schema": dict(schema)}}


def optional_features(kwargs: Mapping[str, Any], message: str) -> set[str]:
    """The optional request fields to drop after a 400.

    The one the error names; all of them when it only says a parameter is unsupported; none
    when it says something else (a too-long prompt), so such a 400 is not asked twice.
    """
    present = {"response_format", "logprobs", "top_logprobs"} & set(kwargs)
    text = message.lower()
    if "logprob" in text:
        return present & {"logprobs", "top_logprobs"}
    if any(word in text for word in ("response_format", "json_schema", "schema", "structured",
                                     "guided")):
        return present & {"response_format"}
    if any(word in text for word in _REFUSAL_WORDS):
        return present
    return set()


def completion_from_json(data: Any, request: GenerateRequest, model: str) -> GenerateResult:
    """A `GenerateResult` from a chat completion decoded from JSON (dicts and lists).

    Raises:
        TransientError: the body is not a completion (no choices, no message), e.g. a proxy's
            page or an error object sent with status 200; the runner retries it, and a stored
            failure keeps the message.
    """
    choices = data.get("choices") if isinstance(data, Mapping) else None
    if not isinstance(choices, Sequence) or not choices or not isinstance(choices[0], Mapping):
        raise TransientError(f"{model}: the response has no choices ({_brief(data)})")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, Mapping):
        raise TransientError(f"{model}: the response's choice has no message ({_brief(data)})")
    content = message.get("content")
    usage = data.get("usage") if isinstance(data.get("usage"), Mapping) else {}
    details = usage.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, Mapping) else None
    return GenerateResult(
        text=content if isinstance(content, str) else "",
        prompt_tokens=_count(usage.get("prompt_tokens")),
        completion_tokens=_count(usage.get("completion_tokens")),
        cached_prompt_tokens=_count(cached) or 0,
        choice_probs=_choice_probs(choice, request) if request.choices else None,
    )


def _choice_probs(choice: Mapping[str, Any],
                  request: GenerateRequest) -> Mapping[str, float] | None:
    """Choice probabilities at the verdict position (see `GenerateRequest.choices_key`)."""
    choices = request.choices or ()
    logprobs = choice.get("logprobs")
    content = logprobs.get("content") if isinstance(logprobs, Mapping) else None
    positions = [p for p in content or [] if isinstance(p, Mapping)]
    if request.choices_key is not None:
        index = value_position((str(p.get("token", "")) for p in positions), request.choices_key)
        positions = positions[index:index + 1] if index is not None else []
    for position in positions:
        token = str(position.get("token", ""))
        if match_choice(token, choices) is not None:
            top = {str(t.get("token", "")): float(t.get("logprob", float("-inf")))
                   for t in position.get("top_logprobs") or [] if isinstance(t, Mapping)}
            top.setdefault(token, float(position.get("logprob", float("-inf"))))
            return probs_from_top_logprobs(top, choices)
    return None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _brief(data: object) -> str:
    text = repr(data)
    return text if len(text) <= 200 else text[:200] + "…"
