"""Sizing a Ray worker pool on the local Ray of the tests (one node, 2 CPUs)."""

from __future__ import annotations

from typing import Any

import pytest

from evalign.errors import ConfigError
from evalign.providers.scripted import ScriptedModel
from evalign.runner.ray_cluster import PoolPlan, is_in_process, plan_pool, portable

pytestmark = pytest.mark.ray


def test_local_model_workers_are_cpu_sets_of_llama_threads(local_ray: Any) -> None:
    assert plan_pool(local_ray, in_process=True, env={}) == PoolPlan(1, 2, 2)
    assert plan_pool(local_ray, in_process=True, threads=1, env={}) == PoolPlan(2, 1, 1)
    assert plan_pool(local_ray, in_process=True, env={"EVALIGN_RAY_THREADS": "1"}) \
        == PoolPlan(2, 1, 1)
    # More threads than the node has would never be placed: capped at the node's 2 CPUs.
    assert plan_pool(local_ray, in_process=True, threads=8, env={}) == PoolPlan(1, 2, 2)
    assert plan_pool(local_ray, in_process=True, threads=1,
                     env={"EVALIGN_RAY_WORKERS": "1"}) == PoolPlan(1, 1, 1)


def test_hosted_model_gets_one_worker_per_cpu_and_bad_settings_are_refused(
        local_ray: Any) -> None:
    # EVALIGN_RAY_THREADS is about llama.cpp: a hosted model's workers take one CPU each.
    assert plan_pool(local_ray, in_process=False, env={"EVALIGN_RAY_THREADS": "2"}) \
        == PoolPlan(2, 1, None)
    with pytest.raises(ConfigError, match="EVALIGN_RAY_WORKERS='0'"):
        plan_pool(local_ray, in_process=False, env={"EVALIGN_RAY_WORKERS": "0"})


def test_a_local_model_travels_as_its_name_a_hosted_one_as_itself() -> None:
    from evalign.providers.local import LocalModel  # llama.cpp is imported on the first call

    local = LocalModel("qwen2.5-coder-0.5b")
    scripted = ScriptedModel("hash")
    assert is_in_process(local) and not is_in_process(scripted)
    assert portable(local) == "local/qwen2.5-coder-0.5b" and portable(scripted) is scripted
