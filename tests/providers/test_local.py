"""The in-process llama.cpp provider on the 0.5B model (slow: runs the real model)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalign import modelfiles
from evalign.errors import ConfigError, ModelFileError, ProviderError
from evalign.providers import GenerateRequest, GenerateResult
from evalign.providers.local import LocalModel

pytestmark = pytest.mark.slow
SMALL = "qwen2.5-coder-0.5b"
RUBRIC = ("You grade answers. A claim passes when it is true. "
          "Reply with exactly one word: PASS or FAIL.")


@pytest.fixture(scope="module")
def model() -> Iterator[LocalModel]:
    if not modelfiles.is_present(SMALL):
        pytest.skip(f"{SMALL} is not pulled: run `evalign models pull {SMALL}`")
    pytest.importorskip("llama_cpp", reason="the [local] extra (llama-cpp-python) is missing")
    local = LocalModel(SMALL, n_ctx=1024)
    yield local
    asyncio.run(local.aclose())


def ask(model: LocalModel, claim: str, **fields: Any) -> GenerateResult:
    request = GenerateRequest(
        messages=[{"role": "system", "content": RUBRIC},
                  {"role": "user", "content": f"Claim: {claim}"}],
        **({"params": {"max_tokens": 4}} | fields),
    )
    return asyncio.run(model.generate(request))


def evaluated(model: LocalModel) -> int:
    """Tokens llama.cpp itself has decoded so far (its own performance counters)."""
    import llama_cpp

    perf = llama_cpp.llama_perf_context(model._llama._ctx.ctx)
    return int(perf.n_p_eval + perf.n_eval)


def test_a_short_prompt_answers(model: LocalModel) -> None:
    result = ask(model, "Two plus two equals four.")
    assert result.text.strip().upper() in {"PASS", "FAIL"}
    assert result.prompt_tokens is not None and result.prompt_tokens > 20
    assert result.completion_tokens is not None and 1 <= result.completion_tokens <= 4


def test_choice_probs_sum_to_one(model: LocalModel) -> None:
    result = ask(model, "Water boils at 100 degrees Celsius at sea level.",
                 choices=("PASS", "FAIL"))
    assert result.choice_probs is not None
    assert set(result.choice_probs) == {"PASS", "FAIL"}
    assert sum(result.choice_probs.values()) == pytest.approx(1.0)
    assert all(0.0 <= p <= 1.0 for p in result.choice_probs.values())


def test_yes_no_choices(model: LocalModel) -> None:
    request = GenerateRequest(
        messages=[{"role": "user", "content": "Is Paris in France? Answer Yes or No."}],
        params={"max_tokens": 2}, choices=("Yes", "No"),
    )
    result = asyncio.run(model.generate(request))
    assert result.choice_probs is not None
    assert sum(result.choice_probs.values()) == pytest.approx(1.0)
    assert result.choice_probs["Yes"] > 0.5


def test_prefix_cache_skips_the_shared_prefix(model: LocalModel) -> None:
    first = ask(model, "The moon is made of cheese.", params={"max_tokens": 1})
    before = evaluated(model)
    second = ask(model, "Paris is the capital of France.", params={"max_tokens": 1})
    decoded = evaluated(model) - before
    assert second.prompt_tokens is not None and first.prompt_tokens is not None
    # The rubric (system message) is shared: it is not evaluated again.
    assert second.cached_prompt_tokens >= 20
    assert decoded == second.prompt_tokens - second.cached_prompt_tokens
    assert decoded < second.prompt_tokens / 2


def test_json_schema_is_enforced_by_grammar(model: LocalModel) -> None:
    schema = {"type": "object", "properties": {"verdict": {"enum": ["PASS", "FAIL"]}},
              "required": ["verdict"]}
    result = ask(model, "Fish can fly to the moon.", json_schema=schema,
                 params={"max_tokens": 20}, choices=("PASS", "FAIL"))
    assert json.loads(result.text)["verdict"] in {"PASS", "FAIL"}
    assert result.choice_probs is not None  # read at the verdict token inside the JSON


def test_too_long_a_prompt_is_refused(model: LocalModel) -> None:
    with pytest.raises(ProviderError, match="context window"):
        ask(model, "word " * 1200)


def test_a_schema_llama_cpp_cannot_compile_is_a_config_error(model: LocalModel) -> None:
    with pytest.raises(ConfigError, match="grammar"):
        ask(model, "x", json_schema={"type": "object",
                                     "properties": {"a": {"type": "no-such-type"}}})


def test_an_unreadable_gguf_is_a_model_file_error(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp", reason="the [local] extra (llama-cpp-python) is missing")
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF but not really")
    with pytest.raises(ModelFileError, match="pull it again"):
        ask(LocalModel(str(bad)), "x")


def test_cancelling_stops_the_generation_early(model: LocalModel) -> None:
    import llama_cpp

    request = GenerateRequest(
        messages=[{"role": "user", "content": "Count from 1 to 500, one number per line."}],
        params={"max_tokens": 400},
    )
    ask(model, "warm up")  # loaded, so the cancel lands during generation

    def generated() -> int:
        return int(llama_cpp.llama_perf_context(model._llama._ctx.ctx).n_eval)

    async def cancel_soon() -> int:
        before = generated()
        task = asyncio.create_task(model.generate(request))
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # This call waits for the cancelled one to leave the model, then decodes one token.
        await model.generate(GenerateRequest(messages=request.messages,
                                             params={"max_tokens": 1}))
        return generated() - before

    # Uncancelled, the first call alone would decode ~400 tokens one by one.
    assert asyncio.run(cancel_soon()) < 150


def test_lazy_grammar_gives_the_same_answer_as_llama_cpps_sampler(
    model: LocalModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    import evalign.providers.local as local

    schema = {"type": "object", "required": ["reasoning", "verdict"],
              "properties": {"reasoning": {"type": "string"},
                             "verdict": {"enum": ["PASS", "FAIL"]}}}
    request = GenerateRequest(
        messages=[{"role": "user", "content": "Claim: fish fly. Reply in JSON with a short "
                                              "reasoning and a verdict PASS or FAIL."}],
        params={"max_tokens": 24}, json_schema=schema, choices=("PASS", "FAIL"),
    )
    answers = []
    for greedy in (True, False):  # False: llama-cpp-python's full-vocabulary grammar sampler
        monkeypatch.setattr(local, "_is_greedy", lambda _params, g=greedy: g)
        model._llama.n_tokens = 0  # both start from an empty KV cache: same batches
        result = asyncio.run(model.generate(request))
        answers.append((result.text, result.completion_tokens, result.choice_probs))
    assert answers[0] == answers[1]
    assert answers[0][0].startswith('{')


def test_a_judge_reasons_before_its_verdict_and_keeps_p_pass(model: LocalModel) -> None:
    from evalign.items import Item
    from evalign.judges.prompt import build_request
    from evalign.judges.spec import JudgeSpec

    spec = JudgeSpec(prompt="Question: {question}\nResponse: {output}\nIs the response correct?",
                     params={"max_tokens": 80})
    request = build_request(spec, Item(inputs={"question": "What is 2+2?"}, output="4"))
    result = asyncio.run(model.generate(request))
    data = json.loads(result.text)  # the grammar makes it JSON, reasoning first
    assert list(data) == ["reasoning", "verdict"] and data["verdict"] in ("PASS", "FAIL")
    # p_pass comes from the verdict token after the reasoning, and agrees with it.
    assert result.choice_probs is not None
    assert sum(result.choice_probs.values()) == pytest.approx(1.0)
    assert (result.choice_probs["PASS"] > 0.5) == (data["verdict"] == "PASS")
