"""Fixtures of the runner tests: one local Ray for the whole session, started on first use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def local_ray() -> Iterator[Any]:
    """A local Ray (2 CPUs, no dashboard) shared by every test that asks for it."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, namespace="evalign-tests")
    yield ray
    ray.shutdown()
