"""pytest plugin: use only calibrated judges in tests, and fail a test run on an uncalibrated one.

Installed with evalign (entry point `pytest11`), so any project's tests can write:

    from evalign.testing import assert_calibrated

    def test_release_judge_is_calibrated():
        assert_calibrated("helpfulness", dataset="gold", min_kappa=0.6)

    def test_answers(evalign_judge):
        judge = evalign_judge("helpfulness", dataset="gold", min_kappa=0.6)
        assert judge.score({"question": "2+2?", "output": "4"}).value == "pass"

The store is `--evalign-db` (pytest option), else `$EVALIGN_DB`, else `./evalign.db`. Both helpers
run the same conditions as `evalign gate` (see `evalign.calibration.gate`); neither calibrates
unless asked, so a test never silently re-baselines a judge whose prompt changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported lazily: pytest loads this plugin in every session
    from evalign.calibration import GateResult
    from evalign.runner.judge import Judge
    from evalign.store import Store

JudgeLoader = Callable[..., "Judge"]


def assert_calibrated(judge: str, *, dataset: str, min_agreement: float | None = None,
                      min_kappa: float | None = None, store: Store | str | None = None,
                      calibrate: bool = False, criterion: str | None = None,
                      allow_errors: bool = False) -> GateResult:
    """Assert that `judge` (`NAME[@V]`) passes the release gate on `dataset`.

    Args:
        judge: the judge version.
        dataset: the labeled dataset.
        min_agreement: floor on the lower 95% bound of agreement.
        min_kappa: floor on the lower 95% bound of Cohen's κ.
        store: a store or database URL (default: `$EVALIGN_DB` or ./evalign.db).
        calibrate: record a fresh calibration first (a run on the dataset).
        criterion: the labels' criterion for a fresh run.
        allow_errors: pass even when some calibration verdicts were errors.

    Returns:
        The gate's result (passed).

    Raises:
        AssertionError: a condition fails; the message lists each failing condition.
    """
    from evalign.calibration import gate
    from evalign.store import Store, open_store

    opened = store if isinstance(store, Store) else open_store(store)
    try:
        result = gate(opened, judge, dataset, min_agreement=min_agreement, min_kappa=min_kappa,
                      calibrate=calibrate, criterion=criterion, allow_errors=allow_errors)
    finally:
        if opened is not store:
            opened.close()
    if not result.passed:
        reasons = "\n".join(f"  {c.name}: {c.message}" for c in result.failed)
        raise AssertionError(f"judge {result.judge} is not calibrated on {dataset!r}:\n{reasons}")
    return result


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add `--evalign-db`: the store the fixtures read."""
    parser.getgroup("evalign").addoption(
        "--evalign-db", default=None,
        help="evalign store for evalign_judge (default: $EVALIGN_DB or ./evalign.db)")


@pytest.fixture
def evalign_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """The evalign store named by `--evalign-db`, `$EVALIGN_DB` or ./evalign.db."""
    from evalign.store import open_store

    opened = open_store(request.config.getoption("--evalign-db"))
    yield opened
    opened.close()


@pytest.fixture
def evalign_judge(evalign_store: Store) -> Iterator[JudgeLoader]:
    """A loader: `evalign_judge(NAME[@V], dataset=..., min_kappa=...)` → a callable `Judge`.

    The loader asserts the gate first (see `assert_calibrated`) and returns the exact version
    that was gated; every judge it made is closed after the test.
    """
    from evalign.runner.judge import Judge

    made: list[Judge] = []

    def load(judge: str, *, dataset: str, **floors: Any) -> Judge:
        result = assert_calibrated(judge, dataset=dataset, store=evalign_store, **floors)
        loaded = Judge.from_store(evalign_store, result.judge, cache_store=evalign_store)
        made.append(loaded)
        return loaded

    yield load
    for judge in made:
        judge.close()
