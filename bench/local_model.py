"""Benchmark 6: the embedded local model, per item, with and without prefix reuse, vs llama.cpp.

    python -m bench.local_model [--model qwen2.5-coder-1.5b] [--n 4]

evalign's `LocalModel.generate` judges EvalsBench rows with the bench judge (the request the
runner sends: system part first, item last). "prefix reuse" keeps the KV cache between items,
so only the item's own tokens are read; "cold" clears it before every item. The limit is
llama.cpp's own speed on this machine, measured through llama-cpp-python on the same loaded
model: raw prompt evaluation (tokens/s) and raw generation (tokens/s).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from bench.common import machine, save, table
from bench.data import JUDGE_PROMPT, rows
from evalign import Item, JudgeSpec, ScoreConfig
from evalign.judges.prompt import build_request
from evalign.providers.local import LocalModel

RAW_GEN_TOKENS = 24


def items(n: int) -> list[Item]:
    """The first `n` bench rows as items (grading-note markers left in: harmless here)."""
    return [
        Item(
            {"question": r["question"], "grading_notes": r["grading_notes"]},
            r["response"],
            external_id=r["id"],
        )
        for r in rows(n)
    ]


def judge_items(
    model: LocalModel, spec: JudgeSpec, batch: list[Item], cold: bool
) -> list[dict[str, Any]]:
    """Judge each item in order; with `cold`, the KV cache is emptied before each one."""
    out = []
    for item in batch:
        if cold and model._llama is not None:
            model._llama.reset()
        request = build_request(spec, item)
        started = time.perf_counter()
        result = asyncio.run(model.generate(request))
        out.append(
            {
                "s": time.perf_counter() - started,
                "prompt": result.prompt_tokens or 0,
                "cached": result.cached_prompt_tokens,
                "completion": result.completion_tokens or 0,
                "text": result.text,
            }
        )
    return out


def raw_speed(
    model: LocalModel, spec: JudgeSpec, item: Item, repeats: int = 2
) -> tuple[float, float]:
    """llama.cpp's own prompt and generation speed (tokens/s), the best of `repeats` tries."""
    best = [0.0, 0.0]
    for _ in range(repeats):
        prompt_speed, gen_speed = _raw_once(model, spec, item)
        best = [max(best[0], prompt_speed), max(best[1], gen_speed)]
    return best[0], best[1]


def _raw_once(model: LocalModel, spec: JudgeSpec, item: Item) -> tuple[float, float]:
    llama, template = model._load()
    prompt = template.render(build_request(spec, item).messages)
    tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
    llama.reset()
    started = time.perf_counter()
    llama.eval(tokens)
    prompt_speed = len(tokens) / (time.perf_counter() - started)
    started, produced = time.perf_counter(), 0
    for _ in llama.generate(tokens, temp=0.0, reset=True):
        produced += 1
        if produced >= RAW_GEN_TOKENS:
            break
    gen_speed = produced / (time.perf_counter() - started)
    return prompt_speed, gen_speed


def _row(mode: str, got: list[dict[str, Any]], speeds: list[tuple[float, float]]) -> list[object]:
    per_item = statistics.mean(g["s"] for g in got)
    limits = [
        (g["prompt"] - g["cached"]) / p + g["completion"] / gen
        for g, (p, gen) in zip(got, speeds, strict=True)
    ]
    ratio = statistics.mean(g["s"] / lim for g, lim in zip(got, limits, strict=True))
    read = sum(g["prompt"] - g["cached"] for g in got)
    return [
        mode,
        len(got),
        round(per_item, 2),
        round(statistics.mean(limits), 2),
        f"{ratio:.2f}x",
        round(statistics.mean(g["prompt"] for g in got)),
        round(statistics.mean(g["cached"] for g in got)),
        round(statistics.mean(g["completion"] for g in got), 1),
        round(read / sum(g["s"] for g in got), 1),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--n", type=int, default=3)
    args = parser.parse_args()
    model = LocalModel(args.model)
    spec = JudgeSpec(
        prompt=JUDGE_PROMPT,
        scale=ScoreConfig(kind="pass_fail"),
        model=f"local/{args.model}",
        params={"max_tokens": 48},
    )
    batch = items(args.n + 1)
    judge_items(model, spec, batch[:1], cold=True)  # load and page the weights in
    warm: list[dict[str, Any]] = []
    cold: list[dict[str, Any]] = []
    speeds: list[tuple[float, float]] = []
    # Interleaved per item, so the three measures see the same load on a shared machine:
    # warm (the cache holds the previous item's prompt: only the system part is reusable),
    # then cold (cache emptied), then llama.cpp's raw speed on the same prompt.
    for item in batch[1:]:
        warm += judge_items(model, spec, [item], cold=False)
        cold += judge_items(model, spec, [item], cold=True)
        speeds.append(raw_speed(model, spec, item, repeats=1))
    asyncio.run(model.aclose())
    prompt_speed = statistics.mean(p for p, _ in speeds)
    gen_speed = statistics.mean(g for _, g in speeds)
    text = table(
        f"Local model local/{args.model}: llama.cpp raw speed {prompt_speed:.0f} prompt tok/s, "
        f"{gen_speed:.1f} generated tok/s, measured between the items ({machine()})",
        [
            "mode",
            "items",
            "s/item",
            "llama.cpp limit s/item",
            "vs limit (per item)",
            "prompt tokens",
            "reused tokens",
            "generated tokens",
            "prompt tokens read/s",
        ],
        [_row("cold (no prefix reuse)", cold, speeds), _row("prefix reuse", warm, speeds)],
    )
    save("local_model", text)


if __name__ == "__main__":
    main()
