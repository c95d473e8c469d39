"""The answer cache: a model answer keyed on everything that shaped it.

The key is sha256 over (model, endpoint, parameters, rendered messages, choices, JSON schema,
sample), so the cache never crosses different prompts, parameters, models or servers: two
endpoints can serve different models under one name, so the endpoint (a base URL, a local model
file's sha256, a script; see `evalign.providers.base.endpoint_of`) is part of the key. So is
whatever else the provider says its answer depends on (`cache_extra_of`: the item field a
scripted `field:NAME` answers with, which the prompt may not show), so two items with one prompt
never share an answer that was read from one of them. The
samples of a repeated run (`--repeat N`) are distinct entries, so sample 2 is never sample 1's
answer replayed. Entries live in the store's `cache_entries` table (`store.repo_cache`), with
the endpoint in the stored answer and the time it was cached; without a store there is no cache.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.store import Store
from evalign.store.repo_cache import get_answer, put_answer


def cache_key(model: str, request: GenerateRequest, *, endpoint: str | None = None,
              sample: int = 0, extra: str | None = None) -> str:
    """The sha256 hex key of one request to one model at one endpoint.

    Args:
        model: the `provider/model` string.
        request: the request (its `context` is not part of the key: `extra` carries what of
            it the provider reads).
        endpoint: what serves the model; None only for callers that have no provider.
        sample: which sample of a repeated run (0 for the first, and for runs without repeat).
        extra: the provider's `cache_extra(request)`, what else its answer depends on.
    """
    payload: dict[str, Any] = {
        "model": model,
        "params": dict(request.params),
        "messages": request.messages,
        "choices": list(request.choices) if request.choices else None,
        "schema": dict(request.json_schema) if request.json_schema else None,
    }
    # Added only when set, so the first sample of a repeated run shares its entry with a run
    # that does not repeat.
    if endpoint is not None:
        payload["endpoint"] = endpoint
    if request.choices_key is not None:
        payload["choices_key"] = request.choices_key
    if sample:
        payload["sample"] = sample
    if extra is not None:
        payload["extra"] = extra
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class CacheHit:
    """A cached answer and where and when it was first answered."""

    result: GenerateResult
    endpoint: str | None
    cached_at: datetime | None


class AnswerCache:
    """Reads and writes cached answers in a store.

    Args:
        store: where `cache_entries` live.
    """

    def __init__(self, store: Store):
        self.store = store

    def get(self, key: str) -> GenerateResult | None:
        """The cached answer for `key`, or None."""
        hit = self.lookup(key)
        return None if hit is None else hit.result

    def lookup(self, key: str) -> CacheHit | None:
        """The cached answer for `key` with its endpoint and time, or None."""
        entry = get_answer(self.store, key)
        if entry is None:
            return None
        endpoint = entry.answer.get("endpoint")
        return CacheHit(_result(entry.answer), str(endpoint) if endpoint else None,
                        entry.created_at)

    def put(self, key: str, model: str, result: GenerateResult, *,
            endpoint: str | None = None) -> None:
        """Remember `result` under `key`; a concurrent writer of the same key wins harmlessly."""
        answer = {
            "text": result.text,
            "prompt_tokens": result.prompt_tokens,
            "completion_tokens": result.completion_tokens,
            "choice_probs": dict(result.choice_probs) if result.choice_probs else None,
            "endpoint": endpoint,
        }
        put_answer(self.store, key, model, answer)


def _result(answer: dict[str, Any]) -> GenerateResult:
    return GenerateResult(
        text=str(answer.get("text", "")),
        prompt_tokens=answer.get("prompt_tokens"),
        completion_tokens=answer.get("completion_tokens"),
        choice_probs=answer.get("choice_probs"),
    )
