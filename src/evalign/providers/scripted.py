"""The scripted provider: deterministic answers for tests and demos, no model, no network.

    scripted/field:NAME      answers with the item's field NAME (e.g. a `truth` column)
    scripted/constant:VALUE  answers VALUE for every item
    scripted/hash            PASS or FAIL from a hash of the rendered prompt
    ScriptedModel(fn)        from Python: any callable (request) -> str

When the request asks for `choices` and the answer is one of them (its first word, or with
`choices_key` that key's value in a JSON answer), `choice_probs` puts all mass on it, so p_pass
paths are exercised too; an answer ending in `(p=0.83)` ("Yes (p=0.83)") gives that choice 0.83
and the others the rest, for paths that read graded probabilities. A script answers the same
whatever JSON schema is asked for: it stands for an endpoint without structured output. Its
`endpoint` is its script. Its answer can depend on more than the prompt, so `cache_extra` tells
the answer cache what else it read: the field's value for `field:NAME`, every field for a
callable (which may read any), nothing for the others.
"""

from __future__ import annotations

import hashlib
import json
import re
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
            self._reads: str | None = "*"  # a callable may read any field
        else:
            self.model = f"scripted/{script}"
            self.endpoint = f"scripted:{script}"
            self._answer = _parse(script)
            kind, _, arg = script.partition(":")
            self._reads = arg if kind == "field" else None
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
                mass = _stated_probability(text)
                rest = (1.0 - mass) / max(1, len(upper) - 1)
                probs = {c: mass if c.upper() == first else rest for c in request.choices}
        return GenerateResult(
            text=text,
            prompt_tokens=max(1, prompt_chars // 4),
            completion_tokens=max(1, len(text) // 4),
            choice_probs=probs,
        )

    def cache_extra(self, request: GenerateRequest) -> str | None:
        """What the answer reads beyond the prompt, for the answer cache's key.

        Returns:
            JSON of the field `field:NAME` answers with (null when the item lacks it), of every
            field for a callable script, or None for `constant:` and `hash` (prompt only).
        """
        if self._reads is None:
            return None
        fields = request.context if self._reads == "*" else {
            self._reads: request.context.get(self._reads)}
        return json.dumps(dict(fields), sort_keys=True, ensure_ascii=False, default=str)

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


def _stated_probability(text: str) -> float:
    """The probability an answer states for its choice ("Yes (p=0.83)"), else 1."""
    found = re.search(r"\(p=(0(?:\.\d+)?|1(?:\.0+)?)\)\s*$", text)
    return float(found.group(1)) if found else 1.0
