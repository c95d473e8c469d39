"""The `field_case` fixture: open a field case with a fresh store in the test's tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.field_cases.harness import FieldCase, open_case


@pytest.fixture
def field_case(tmp_path: Path) -> Callable[[str], FieldCase]:
    """`field_case("C01-verdict-echo-header")`: the case, or a skip when its folder is absent."""
    return lambda name: open_case(name, tmp_path)
