"""The decomposed judge on the real 0.5B local model (slow): checks get P(yes), the prefix is
reused across one item's checks, and a present point scores higher than a missing one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from evalign import modelfiles
from evalign.items import Item
from evalign.judges.decomposed import score_decomposed
from evalign.judges.spec import JudgeSpec
from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.providers.local import LocalModel

pytestmark = pytest.mark.slow
SMALL = "qwen2.5-coder-0.5b"


class Counting:
    """Wraps the local model and keeps its results (to read the prefix-cache counts)."""

    def __init__(self, inner: LocalModel):
        self.inner, self.model, self.max_concurrency = inner, inner.model, 1
        self.results: list[GenerateResult] = []

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        result = await self.inner.generate(request)
        self.results.append(result)
        return result

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture(scope="module")
def model() -> Iterator[Counting]:
    if not modelfiles.is_present(SMALL):
        pytest.skip(f"{SMALL} is not pulled: run `evalign models pull {SMALL}`")
    pytest.importorskip("llama_cpp", reason="the [local] extra (llama-cpp-python) is missing")
    local = Counting(LocalModel(SMALL, n_ctx=1024))
    yield local
    asyncio.run(local.aclose())


def test_checks_carry_probabilities_and_share_the_prefix(model: Counting) -> None:
    spec = JudgeSpec(kind="decomposed", checks={"rubric_field": "grading_notes",
                                                "context_fields": ["output"]})
    item = Item({"grading_notes": "photosynthesis, chlorophyll, quantum chromodynamics"},
                "Plants turn sunlight into sugar by photosynthesis, using the green pigment "
                "chlorophyll in their leaves.")
    verdict = asyncio.run(score_decomposed(spec, item, model))
    assert verdict.error is None and len(verdict.checks) == 3
    p = [c.p_yes for c in verdict.checks]
    assert all(x is not None and 0.0 <= x <= 1.0 for x in p)
    assert p[0] is not None and p[2] is not None and p[0] > p[2]
    cached = [r.cached_prompt_tokens for r in model.results[-3:]]
    prompt = [r.prompt_tokens or 0 for r in model.results[-3:]]
    assert cached[1] > prompt[1] // 2 and cached[2] > prompt[2] // 2  # item text read once
