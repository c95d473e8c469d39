"""`local/<name>`: a GGUF model run in-process by llama-cpp-python (extra `[local]`).

`<name>` is a catalogue model (`qwen2.5-coder-1.5b`, `qwen2.5-coder-0.5b`; see
`evalign.modelfiles`) or a path to any `.gguf` file. The model loads on the first call, once
per provider object, and one `Llama` holds one KV cache, so calls are serialized
(`max_concurrency = 1`) and run in a worker thread to keep the event loop free.

Prefix cache: the tokens of the previous call stay in the KV cache and only the new suffix of
the next prompt is evaluated, so a judge whose constant instructions come first pays for them
once. Choice probabilities are read from the logits of the position that produced the verdict
token (the first generated token, or with `choices_key` the first token of that JSON key's
value), without `logits_all` (which costs ~0.6 GB). Greedy decoding (temperature 0, the
default) runs through `greedy`, which checks a JSON-schema grammar one token at a time;
sampling goes through `Llama.generate`.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalign import modelfiles
from evalign.errors import (
    ConfigError,
    ContextLengthError,
    MissingExtraError,
    ModelFileError,
    ProviderError,
)
from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.providers.chat_template import ChatTemplate
from evalign.providers.choices import ValueSpot, normalize

if TYPE_CHECKING:
    from evalign.providers.greedy import LazyGrammar

DEFAULT_N_CTX = 4096
DEFAULT_MAX_TOKENS = 256


class LocalModel:
    """A `ModelAPI` over one in-process llama.cpp model.

    Args:
        name: catalogue name or `.gguf` path (the part after `local/`).
        n_ctx: context window in tokens (prompt plus answer).
        n_threads: CPU threads (default: all cores).
        n_batch: prompt tokens evaluated per batch.

    Attributes:
        loads: how many times this object has read the GGUF file (1 after the first call;
            more only after `aclose`), so a pool of workers can show it loaded once each.
    """

    max_concurrency = 1

    def __init__(
        self,
        name: str,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
        n_batch: int = 512,
    ):
        if not name:
            raise ConfigError(
                "local/<model>: the model name is empty (e.g. local/qwen2.5-coder-1.5b)"
            )
        if not name.endswith(".gguf"):
            modelfiles.get(name)  # unknown names fail now, not at the first call
        self.model = f"local/{name}"
        self.name = name
        self.n_ctx = n_ctx
        self.n_threads = n_threads or _usable_cores()
        self.n_batch = n_batch
        self._llama: Any = None
        self.loads = 0
        self._template: ChatTemplate | None = None
        self._lock = threading.Lock()
        self._grammars: dict[str, Any] = {}
        self._endpoint: str | None = None

    @property
    def endpoint(self) -> str:
        """`sha256:<hex>` of the model file (hashing a path's file on first use)."""
        if self._endpoint is None:
            if self.name.endswith(".gguf"):
                file = Path(self.name).expanduser()
                digest = modelfiles.sha256_of(file) if file.is_file() else f"missing {file}"
            else:
                digest = modelfiles.get(self.name).sha256
            self._endpoint = f"sha256:{digest}"
        return self._endpoint

    def __repr__(self) -> str:
        return f"LocalModel(model={self.model!r}, loaded={self._llama is not None})"

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        """Answer one request in a worker thread, one call at a time.

        Cancelling the awaiting task stops the generation at the next token (or before it
        starts, if it is still waiting for the model), so a cancelled run frees the model fast.
        """
        cancelled = threading.Event()
        try:
            return await asyncio.to_thread(self._generate_locked, request, cancelled)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def aclose(self) -> None:
        """Free the model's memory; the next call loads it again."""
        await asyncio.to_thread(self._close_locked)

    def _close_locked(self) -> None:
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None
                self._grammars.clear()

    def _generate_locked(
        self, request: GenerateRequest, cancelled: threading.Event
    ) -> GenerateResult:
        with self._lock:
            if cancelled.is_set():
                raise ProviderError(f"{self.model}: call cancelled before it started")
            llama, template = self._load()
            prompt = template.render(request.messages)
            tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
            max_tokens = int(request.params.get("max_tokens", DEFAULT_MAX_TOKENS))
            if len(tokens) + max_tokens > self.n_ctx:
                raise ContextLengthError(
                    f"{self.model}: prompt of {len(tokens)} tokens plus max_tokens={max_tokens} "
                    f"exceeds the context window of {self.n_ctx} "
                    "(raise n_ctx or shorten the prompt)"
                )
            out, probs, cached = self._sample(llama, tokens, request, max_tokens, cancelled)
            return GenerateResult(
                text=_detokenize(llama, out, request.params.get("stop")),
                prompt_tokens=len(tokens),
                completion_tokens=len(out),
                cached_prompt_tokens=cached,
                choice_probs=probs,
            )

    def _load(self) -> tuple[Any, ChatTemplate]:
        if self._llama is None or self._template is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise MissingExtraError("llama-cpp-python", "local") from None
            path = modelfiles.path(self.name)
            try:
                self._llama = Llama(
                    model_path=str(path),
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    n_batch=self.n_batch,
                    logits_all=False,
                    verbose=False,
                )
            except ValueError as exc:  # llama.cpp could not read the file
                raise ModelFileError(
                    f"{path}: llama.cpp cannot load it ({exc}); delete it and pull it again"
                ) from None
            self.loads += 1
            self._template = ChatTemplate.for_llama(self._llama)
        return self._llama, self._template

    def _sample(
        self, llama: Any, tokens: list[int], request: GenerateRequest, max_tokens: int,
        cancelled: threading.Event,
    ) -> tuple[list[int], dict[str, float] | None, int]:
        """Generate; returns the answer tokens, the choice probabilities and reused tokens."""
        params = request.params
        choice_ids = _choice_token_ids(llama, request.choices) if request.choices else {}
        wanted = {t for ids in choice_ids.values() for t in ids}
        from evalign.providers.greedy import LazyGrammar  # needs llama_cpp: the [local] extra

        grammar = self._grammar(request.json_schema)
        lazy = LazyGrammar(llama, grammar._grammar) if grammar and _is_greedy(params) else None
        cached, stream = self._stream(llama, tokens, params, grammar, lazy)
        out: list[int] = []
        probs: dict[str, float] | None = None
        spot = ValueSpot(request.choices_key) if request.choices_key else None
        try:
            for token in stream:
                if _is_end(llama, token) or cancelled.is_set():
                    break
                if spot is None:
                    at_verdict = probs is None
                else:
                    at_verdict = not spot.found and spot.feed(_piece(llama, token))
                if at_verdict and token in wanted:
                    # The logits that produced this token are still the context's last row.
                    probs = _probs_at_last(llama, choice_ids)
                out.append(token)
                if len(out) >= max_tokens or _hit_stop(llama, out, params.get("stop")):
                    break
        finally:
            if lazy is not None:
                lazy.close()
        return out, probs, cached

    def _stream(
        self, llama: Any, tokens: list[int], params: Mapping[str, Any], grammar: Any,
        lazy: LazyGrammar | None,
    ) -> tuple[int, Iterator[int]]:
        from evalign.providers.greedy import eval_prompt, greedy_tokens

        if _is_greedy(params):
            return eval_prompt(llama, tokens), greedy_tokens(llama, lazy)
        if "seed" in params:
            llama.set_seed(int(params["seed"]))
        cached = _reusable_prefix(list(llama._input_ids), tokens)
        return cached, llama.generate(
            tokens,
            temp=float(params.get("temperature", 0.0)),
            top_p=float(params.get("top_p", 0.95)),
            top_k=int(params.get("top_k", 40)),
            repeat_penalty=float(params.get("repeat_penalty", 1.0)),
            grammar=grammar,
            reset=True,
        )

    def _grammar(self, schema: Mapping[str, Any] | None) -> Any:
        if schema is None:
            return None
        # Not sorted: the grammar writes properties in the schema's order (reasoning first).
        key = json.dumps(schema)
        if key not in self._grammars:
            from llama_cpp.llama_grammar import LlamaGrammar

            try:
                self._grammars[key] = LlamaGrammar.from_json_schema(key, verbose=False)
            # llama-cpp-python signals an unsupported schema with a bare assert
            except (AssertionError, ValueError, RuntimeError, KeyError, TypeError) as exc:
                raise ConfigError(
                    f"{self.model}: llama.cpp cannot turn this JSON schema into a grammar ({exc})"
                ) from None
        return self._grammars[key]


def _is_greedy(params: Mapping[str, Any]) -> bool:
    """Temperature 0 without penalties: the fast path of `greedy` gives the same tokens."""
    return (
        float(params.get("temperature", 0.0)) == 0.0
        and float(params.get("repeat_penalty", 1.0)) == 1.0
    )


def _usable_cores() -> int:
    # The cores this process may run on (containers and taskset limit them), not the host's.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _reusable_prefix(cached: Sequence[int], tokens: Sequence[int]) -> int:
    """How many prompt tokens `Llama.generate` will take from the KV cache."""
    common = 0
    for a, b in zip(cached, tokens, strict=False):
        if a != b:
            break
        common += 1
    if common == len(tokens) and len(cached) != len(tokens):
        return common - 1  # llama.cpp re-evaluates one token to refresh the logits
    return common


def _choice_token_ids(llama: Any, choices: Sequence[str]) -> dict[str, set[int]]:
    """First-token ids that start each choice, with and without a leading space.

    A token that starts two choices says nothing about which one: it is left out.
    """
    ids: dict[str, set[int]] = {}
    for choice in choices:
        bare = choice.strip()
        # With a JSON answer the value may start with its quote in one token (`"PASS`).
        variants = {choice, bare, " " + bare, '"' + bare, ' "' + bare}
        ids[choice] = {
            toks[0]
            for v in variants
            if v and (toks := llama.tokenize(v.encode("utf-8"), add_bos=False, special=False))
        }
    shared = {t for c in ids for t in ids[c] if any(t in ids[o] for o in ids if o != c)}
    return {c: ids[c] - shared for c in ids}


def _probs_at_last(llama: Any, choice_ids: Mapping[str, set[int]]) -> dict[str, float] | None:
    from evalign.providers.greedy import last_logits

    row = last_logits(llama)
    logits = {c: [float(row[t]) for t in ids] for c, ids in choice_ids.items()}
    flat = [v for vs in logits.values() for v in vs]
    if not flat:
        return None
    top = max(flat)  # subtract the max so exp() cannot overflow
    return normalize({c: sum(math.exp(v - top) for v in vs) for c, vs in logits.items()})


def _piece(llama: Any, token: int) -> str:
    """One token's text (a partial UTF-8 character reads as nothing)."""
    return str(llama.detokenize([token]).decode("utf-8", errors="ignore"))


def _is_end(llama: Any, token: int) -> bool:
    import llama_cpp

    return bool(llama_cpp.llama_vocab_is_eog(llama._model.vocab, token))


def _hit_stop(llama: Any, out: list[int], stop: Any) -> bool:
    if not stop:
        return False
    stops = [stop] if isinstance(stop, str) else list(stop)
    tail = llama.detokenize(out[-16:]).decode("utf-8", errors="ignore")
    return any(s in tail for s in stops)


def _detokenize(llama: Any, out: list[int], stop: Any) -> str:
    text: str = llama.detokenize(out).decode("utf-8", errors="replace")
    if stop:
        for s in [stop] if isinstance(stop, str) else list(stop):
            text = text.split(s, 1)[0]
    return text
