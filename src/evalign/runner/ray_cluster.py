"""What every Ray-backed part of evalign shares: joining the cluster, sizing the worker pool.

Two things run on Ray: a stored run's shards (`evalign.runner.ray_executor`) and an alignment
run's judge scoring (`evalign.runner.ray_scoring`). Both keep a pool of long-lived actors for the
whole job, each holding the provider, and size it the same way:

- a remote provider (OpenAI-compatible, Anthropic, …): one worker per CPU of the cluster, all
  sharing one limiter actor;
- an in-process model (`local/…`, a GGUF run by llama.cpp): one worker per CPU set of
  `threads` CPUs (default `LOCAL_THREADS`), each reserving `num_cpus=threads` from Ray and
  giving llama.cpp exactly that many threads, so the workers of a node never oversubscribe it.
  Each worker reads the GGUF once, on its first call, and keeps it for the job.

Settings (arguments win over the environment): `EVALIGN_RAY_WORKERS` (how many workers;
default: the cluster's CPUs divided by each worker's CPUs, at least 1) and
`EVALIGN_RAY_THREADS` (CPUs, i.e. llama.cpp threads, per worker of an in-process model).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evalign.errors import ConfigError
from evalign.providers.base import ModelAPI
from evalign.runner.models import resolve_model
from evalign.store.engine import MEMORY_URLS

LOCAL_THREADS = 2  # llama.cpp threads (and Ray CPUs) per worker of an in-process model
FORWARDED_ENV = ("OPENAI_", "ANTHROPIC_", "AZURE_", "EVALIGN_", "HF_")
WORKERS_ENV = "EVALIGN_RAY_WORKERS"
THREADS_ENV = "EVALIGN_RAY_THREADS"


@dataclass(frozen=True)
class PoolPlan:
    """How many workers a job gets and how many CPUs each reserves.

    Attributes:
        workers: actors in the pool (at least 1).
        cpus: Ray CPUs each actor reserves.
        threads: llama.cpp threads of an in-process model (equal to `cpus`); None for a
            remote provider, which computes nothing itself.
    """

    workers: int
    cpus: int
    threads: int | None


def import_ray() -> Any:
    """The `ray` module, or a ConfigError that says how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--executor ray needs Ray: pip install 'evalign[ray]'") from exc
    return ray


def refuse_memory_store(url: str) -> None:
    """Workers open the store by its URL: an in-memory store is one they cannot reach.

    Raises:
        ConfigError: the store is in memory.
    """
    if url in MEMORY_URLS:
        raise ConfigError("--executor ray needs a store the workers can open: give --db a file "
                          "(one machine) or a postgresql:// URL (a cluster)")


def joins_cluster(ray: Any, address: str | None) -> bool:
    """Whether this process talks to a Ray it did not start (whose workers lack its env)."""
    return bool(ray.is_initialized() or address or os.environ.get("RAY_ADDRESS"))


def connect(ray: Any, address: str | None) -> bool:
    """Join the cluster (or start a local Ray); True when this call started Ray."""
    if ray.is_initialized():
        return False
    ray.init(address=address or os.environ.get("RAY_ADDRESS") or None,
             include_dashboard=False, log_to_driver=False, namespace="evalign")
    return True


def plan_pool(ray: Any, *, in_process: bool, workers: int | None = None,
              threads: int | None = None, env: Mapping[str, str] | None = None) -> PoolPlan:
    """Size the pool from the arguments, else the environment, else the cluster.

    Args:
        ray: the connected `ray` module.
        in_process: the model runs inside the worker (a local GGUF model).
        workers: how many workers (default `EVALIGN_RAY_WORKERS`, else as many as the
            nodes' CPUs hold).
        threads: CPUs per worker (default: for an in-process model `EVALIGN_RAY_THREADS`,
            else `LOCAL_THREADS`; 1 for a remote provider), never more than the largest node
            has, or the worker could never be placed.

    Raises:
        ConfigError: a setting in the environment is not a positive integer.
    """
    env = os.environ if env is None else env
    default = (_positive(env, THREADS_ENV) or LOCAL_THREADS) if in_process else 1
    cpus = threads or default
    cpus = max(1, min(cpus, _largest_node_cpus(ray)))
    count = workers or _positive(env, WORKERS_ENV) or _fitting(ray, cpus)
    return PoolPlan(max(1, count), cpus, cpus if in_process else None)


def forwarded_env(joined: bool) -> dict[str, str]:
    """Provider settings for the workers of a cluster this process joined (none otherwise:
    a Ray started here gives its workers this environment already, and a runtime environment
    would make Ray start fresh worker processes instead of reusing its idle ones)."""
    if not joined:
        return {}
    return {k: v for k, v in os.environ.items() if k.startswith(FORWARDED_ENV)}


def portable(model: str | ModelAPI) -> str | ModelAPI:
    """What to send a worker so it builds the same provider.

    An in-process model travels as its model string (its loaded weights and lock do not
    pickle, and each worker must load its own copy); any other provider object is copied.
    """
    if isinstance(model, str) or not is_in_process(model):
        return model
    return model.model


def is_in_process(model: ModelAPI) -> bool:
    """A model computed inside this process (one call at a time), not a remote endpoint."""
    return model.max_concurrency <= 1 and model.model.startswith("local/")


def open_provider(model: str | ModelAPI, threads: int | None) -> ModelAPI:
    """The worker's provider; an in-process model gets its worker's CPU set as threads."""
    provider = resolve_model(model)
    if threads is not None and hasattr(provider, "n_threads"):
        provider.n_threads = threads
    return provider


def model_loads(provider: ModelAPI | None) -> int | None:
    """How many times the provider read its weights (in-process models count them)."""
    loads = getattr(provider, "loads", None)
    return loads if isinstance(loads, int) else None


def _positive(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name}={raw!r}: give a positive whole number")
    return int(raw)


def _fitting(ray: Any, cpus: int) -> int:
    """Workers of `cpus` CPUs that fit on the nodes (a worker cannot span two nodes)."""
    return max(1, sum(math.floor(size / cpus) for size in _node_cpus(ray)))


def _largest_node_cpus(ray: Any) -> int:
    return max(1, math.floor(max(_node_cpus(ray), default=1.0)))


def _node_cpus(ray: Any) -> list[float]:
    return [float(node.get("Resources", {}).get("CPU", 0)) for node in ray.nodes()
            if node.get("Alive", True)]
