"""The local 0.5B model on a local Ray: each worker loads the GGUF once, whatever it judges.

A run through the Ray executor stores exactly one verdict per item, with the values the same
run gets in one process (temperature 0; p_pass may differ slightly with prefix reuse, so only
its presence is compared), and each worker's own counter shows one load of the model however
many shards it judged. Alignment scoring on Ray (`RayScoring`) keeps its workers, and their one
load each, across chunks and judge specs. Slow: it runs the embedded model (and a local Ray).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("ray")

import sqlalchemy as sa

from evalign import modelfiles
from evalign.data.records import Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.runner.ray_cluster import PoolPlan
from evalign.runner.ray_executor import RayStats, execute_on_ray
from evalign.runner.ray_scoring import RayScoring
from evalign.runner.run import create_run, run_judge
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_judges import create_judge
from evalign.store.repo_writes import write_dataset

pytestmark = [pytest.mark.slow, pytest.mark.ray]
SMALL = "qwen2.5-coder-0.5b"
PROMPT = "Question: {question}\nAnswer: {output}\nIs the answer right?"
SUMS = [(2, 3, 5), (4, 4, 9), (7, 1, 8), (6, 3, 10), (5, 5, 10), (9, 2, 12)]


@pytest.fixture
def tiny(sqlite_store: Store) -> Store:
    """Six short sums, half right, and a judge that answers PASS or FAIL in one word."""
    if not modelfiles.is_present(SMALL):
        pytest.skip(f"{SMALL} is not pulled: run `evalign models pull {SMALL}`")
    pytest.importorskip("llama_cpp", reason="the [local] extra (llama-cpp-python) is missing")
    rows = [Row(Item(inputs={"question": f"What is {a} + {b}?"}, output=str(c),
                     external_id=f"s{i}")) for i, (a, b, c) in enumerate(SUMS)]
    with sqlite_store.session() as session:
        write_dataset(session, "sums", rows, Criteria(session))
        create_judge(session, "tiny", _spec())
    return sqlite_store


def _spec(guidelines: str = "") -> JudgeSpec:
    return JudgeSpec(prompt=PROMPT, model=f"local/{SMALL}", guidelines=guidelines,
                     params={"structured_output": False, "max_tokens": 3})


def _stored(store: Store, run_id: int) -> dict[int, tuple[Any, ...]]:
    with store.session() as session:
        found = session.execute(sa.select(
            m.Verdict.item_id, m.Verdict.sample, m.Verdict.value, m.Verdict.p_pass,
            m.Verdict.error).where(m.Verdict.run_id == run_id)).all()
    assert len({(r[0], r[1]) for r in found}) == len(found)  # one verdict per unit
    return {r[0]: (r[2], r[3], r[4]) for r in found}


def test_local_model_on_ray_loads_once_per_worker_with_the_in_process_verdicts(
        local_ray: Any, tiny: Store) -> None:
    here = run_judge(tiny, "tiny", "sums", use_cache=False)
    run_id = create_run(tiny, "tiny", "sums", use_cache=False)
    stats = RayStats()
    there = execute_on_ray(tiny, run_id, worker_cpus=1, shard_size=2, stats=stats)
    assert (here.status, here.verdicts, here.errors) == ("completed", 6, 0)
    assert (there.status, there.verdicts, there.errors) == ("completed", 6, 0)
    alone, spread = _stored(tiny, here.run), _stored(tiny, there.run)
    assert sorted(spread) == sorted(alone) and len(spread) == 6
    assert {i: v[0] for i, v in spread.items()} == {i: v[0] for i, v in alone.items()}
    assert all(v[1] is not None and 0.0 <= v[1] <= 1.0 for v in spread.values())
    # Two workers of one llama.cpp thread each (the local Ray has 2 CPUs), three shards:
    # one worker judged two shards and still read the model once.
    assert stats.plan == PoolPlan(workers=2, cpus=1, threads=1)
    assert stats.shards == 3 and list(stats.model_loads.values()) == [1, 1]


def test_alignment_scoring_on_ray_keeps_one_load_per_worker(local_ray: Any, tiny: Store,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    from evalign.providers.local import LocalModel

    monkeypatch.setenv("EVALIGN_RAY_THREADS", "1")
    items = [Item(inputs={"question": f"What is {a} + {b}?"}, output=str(c))
             for a, b, c in SUMS[:4]]
    model = LocalModel(SMALL)
    with RayScoring() as scoring:
        assert scoring.parallelism(model) == 2  # two workers, one call at a time each
        first = asyncio.run(scoring.score(_spec(), items, model=model, cache_store=tiny))
        second = asyncio.run(scoring.score(_spec("Check the arithmetic."), items, model=model,
                                           cache_store=tiny))
    for batch in (first, second):
        assert batch.errors == 0 and batch.calls == 4
        assert all(v.value in ("pass", "fail") for v in batch.verdicts)
    assert model.loads == 0  # the driver's copy was never loaded: the workers judged
    assert list(scoring.model_loads.values()) == [1, 1]
