"""The scripted provider: deterministic answers for tests and demos, no model, no network.

    scripted/field:NAME      answers with the item's field NAME (e.g. a `truth` column)
    scripted/constant:VALUE  answers VALUE for every item
    scripted/hash            PASS or FAIL from a hash of the rendered prompt
    ScriptedModel(fn)        from Python: any callable (request) -> str

When the request asks for `choices` and the answer is one of them (its first word, or with
`choices_key` that key's value in a JSON answer), `choice_probs` puts all mass on it, so p_pass
paths are exercised too. A script answers the same whatever JSON schema is asked for: it stands
for an endpoint without structured output. Its `endpoint` is its script.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from evalign.errors import ConfigError
from evalign.items import as_text
from evalign.providers.base import GenerateRequest, GenerateResult

Script = Callable[[GenerateRequest], str]


class ScriptedModel:
    """A `ModelAPI` whose answers come from a script.

    Args:
        script: the part after `scripted/` (`field:NAME`, `constant:VALUE`, `hash`) or a callable.
    """

    max_concurrency = 32

    def __init__(self, script: str | Script):
        if callable(script):
            self.model = f"scripted/{getattr(script, '__name__', 'callable')}"
            self.endpoint = f"scripted:{getattr(script, '__qualname__', 'callable')}"
            self._answer: Script = script
        else:
            self.model = f"scripted/{script}"
            self.endpoint = f"scripted:{script}"
            self._answer = _parse(script)
        self.calls = 0

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        """Answer from the script, counting calls."""
        self.calls += 1
        text = self._answer(request)
        prompt_chars = sum(len(as_text(m.get("content"))) for m in request.messages)
        probs = None
        if request.choices:
            first = _verdict_word(text, request.choices_key).upper()
            upper = [c.upper() for c in request.choices]
            if first in upper:
                probs = {c: 1.0 if c.upper() == first else 0.0 for c in request.choices}
        return GenerateResult(
            text=text,
            prompt_tokens=max(1, prompt_chars // 4),
            completion_tokens=max(1, len(text) // 4),
            choice_probs=probs,
        )

    async def aclose(self) -> None:
        """Nothing to release."""


def _verdict_word(text: str, key: str | None) -> str:
    """The answer's verdict word: `key`'s value in a JSON answer, else the first word."""
    if key is not None:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and key in data:
            return str(data[key]).strip()
    return text.strip().split()[0].strip(".,:;\"'") if text.strip() else ""


def _parse(script: str) -> Script:
    kind, _, arg = script.partition(":")
    if kind == "field" and arg:
        return lambda request: _field(request, arg)
    if kind == "constant" and arg:
        return lambda _request: arg
    if kind == "hash":
        return _hash
    raise ConfigError(
        f"unknown scripted model {script!r}: use scripted/field:NAME, scripted/constant:VALUE "
        "or scripted/hash"
    )


def _field(request: GenerateRequest, name: str) -> str:
    if name not in request.context:
        raise ConfigError(f"scripted/field:{name}: the item has no field {name!r}")
    return as_text(request.context[name])


def _hash(request: GenerateRequest) -> str:
    digest = hashlib.sha256(repr(request.messages).encode()).digest()
    return "PASS" if digest[0] % 2 == 0 else "FAIL"
