"""The answer cache: a model answer keyed on everything that shaped it.

The key is sha256 over (model, parameters, rendered messages, choices, JSON schema), so the cache
never crosses different prompts, parameters or models. It lives in the store's `cache_entries`
table; without a store there is no cache.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.exc import IntegrityError

from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.store import Store
from evalign.store.models import CacheEntry


def cache_key(model: str, request: GenerateRequest) -> str:
    """The sha256 hex key of one request to one model (the scripted context is not part of it)."""
    payload = {
        "model": model,
        "params": dict(request.params),
        "messages": request.messages,
        "choices": list(request.choices) if request.choices else None,
        "schema": dict(request.json_schema) if request.json_schema else None,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class AnswerCache:
    """Reads and writes cached answers in a store.

    Args:
        store: where `cache_entries` live.
    """

    def __init__(self, store: Store):
        self.store = store

    def get(self, key: str) -> GenerateResult | None:
        """The cached answer for `key`, or None."""
        with self.store.session() as session:
            entry = session.get(CacheEntry, key)
            return None if entry is None else _result(entry.answer)

    def put(self, key: str, model: str, result: GenerateResult) -> None:
        """Remember `result` under `key`; a concurrent writer of the same key wins harmlessly."""
        answer = {
            "text": result.text,
            "prompt_tokens": result.prompt_tokens,
            "completion_tokens": result.completion_tokens,
            "choice_probs": dict(result.choice_probs) if result.choice_probs else None,
        }
        try:
            with self.store.session() as session:
                if session.get(CacheEntry, key) is None:
                    session.add(CacheEntry(key=key, model=model, answer=answer))
        except IntegrityError:
            pass


def _result(answer: dict[str, Any]) -> GenerateResult:
    return GenerateResult(
        text=str(answer.get("text", "")),
        prompt_tokens=answer.get("prompt_tokens"),
        completion_tokens=answer.get("completion_tokens"),
        choice_probs=answer.get("choice_probs"),
    )
