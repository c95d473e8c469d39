"""Greedy decoding on a llama.cpp model, with prefix reuse and a lazily checked grammar.

llama-cpp-python's sampler chain applies a grammar to every token of the vocabulary (~150k
for Qwen) at every step, which can double the cost of a generated token on a CPU. Greedy
decoding needs less: take the most likely token, ask the grammar about that one token, and
only when it is refused filter the whole vocabulary (llama.cpp's own `common` sampler does
the same). The result is identical to filtering first, since the best allowed token is the
best token whenever the grammar allows it.

The KV cache is reused like `Llama.generate` does: the longest common prefix of the cached
tokens and the new prompt stays, only the rest is evaluated (at least one token, so the
logits belong to this prompt).
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator, Sequence
from typing import Any

import llama_cpp
import numpy as np
import numpy.typing as npt

from evalign.errors import ConfigError, ProviderError


def last_logits(llama: Any) -> npt.NDArray[np.float32]:
    """The logits row of the last evaluated position (a view; copy it to keep it)."""
    pointer = llama_cpp.llama_get_logits_ith(llama._ctx.ctx, -1)
    return np.ctypeslib.as_array(pointer, shape=(llama.n_vocab(),))


def common_prefix(cached: Sequence[int], tokens: Sequence[int]) -> int:
    """Length of the shared prefix of two token lists."""
    n = 0
    for a, b in zip(cached, tokens, strict=False):
        if a != b:
            break
        n += 1
    return n


def eval_prompt(llama: Any, tokens: Sequence[int]) -> int:
    """Evaluate `tokens`, reusing the cached prefix; returns how many tokens were reused."""
    reuse = min(common_prefix(llama._input_ids, tokens), len(tokens) - 1)
    if reuse <= 0 or not llama._ctx.kv_cache_seq_rm(-1, reuse, -1):
        reuse = 0
    llama.n_tokens = reuse
    llama.eval(tokens[reuse:])
    return reuse


class LazyGrammar:
    """A GBNF grammar consulted one token at a time, over the whole vocabulary only if needed.

    Args:
        llama: the loaded model (its vocabulary parses the grammar).
        gbnf: the grammar text, root rule `root`.
    """

    def __init__(self, llama: Any, gbnf: str):
        self._sampler = llama_cpp.llama_sampler_init_grammar(
            llama._model.vocab, gbnf.encode("utf-8"), b"root"
        )
        if not self._sampler:
            raise ConfigError("llama.cpp could not parse the grammar made from the JSON schema")
        n_vocab = llama.n_vocab()
        self._one = (llama_cpp.llama_token_data * 1)()
        self._all = np.zeros(n_vocab, dtype=np.dtype(
            [("id", np.intc), ("logit", np.single), ("p", np.single)], align=True))
        self._all["id"] = np.arange(n_vocab, dtype=np.intc)

    def allows(self, token: int) -> bool:
        """Whether the grammar accepts `token` next."""
        self._one[0] = llama_cpp.llama_token_data(token, 0.0, 0.0)
        self._apply(ctypes.cast(self._one, llama_cpp.llama_token_data_p), 1)
        return bool(np.isfinite(self._one[0].logit))

    def best(self, logits: npt.NDArray[np.float32]) -> int:
        """The most likely token the grammar accepts next."""
        self._all["logit"] = logits
        self._apply(self._all.ctypes.data_as(llama_cpp.llama_token_data_p), len(self._all))
        allowed = self._all["logit"]
        if not np.isfinite(allowed.max()):
            raise ProviderError("the grammar allows no token here (the schema cannot be met)")
        return int(np.argmax(allowed))

    def accept(self, token: int) -> None:
        """Advance the grammar past `token`."""
        llama_cpp.llama_sampler_accept(self._sampler, token)

    def close(self) -> None:
        """Free the llama.cpp sampler."""
        if self._sampler:
            llama_cpp.llama_sampler_free(self._sampler)
            self._sampler = None

    def _apply(self, data: Any, size: int) -> None:
        array = llama_cpp.llama_token_data_array(data=data, size=size, selected=-1, sorted=False)
        llama_cpp.llama_sampler_apply(self._sampler, ctypes.byref(array))


def greedy_tokens(llama: Any, grammar: LazyGrammar | None) -> Iterator[int]:
    """Yield greedy tokens after `eval_prompt`; while a token is being handled, the last
    logits row is still the one it was chosen from. The caller stops the iteration."""
    while True:
        logits = last_logits(llama)
        token = int(np.argmax(logits))
        if grammar is not None and not grammar.allows(token):
            token = grammar.best(logits)
        yield token
        if grammar is not None:
            grammar.accept(token)
        llama.eval([token])
