"""Fixed-seed bootstrap confidence intervals, vectorized with NumPy.

Binary statistics (κ, F1, MCC, balanced accuracy) depend only on the four confusion counts, so
resampling n pairs with replacement is exactly a multinomial draw over the four cells: each
resample costs O(1) whatever n is. Correlations need the pairs themselves; they are bootstrapped
by index up to `MAX_PAIRS_FOR_INDEX_BOOTSTRAP` pairs and use the Fisher z-interval beyond
(Fieller, Hartley & Pearson 1957 variances for Spearman and Kendall), which at that size is as
accurate and a thousand times cheaper. Every interval reports how it was computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
DEFAULT_SEED = 20240611
DEFAULT_RESAMPLES = 2000
MAX_PAIRS_FOR_INDEX_BOOTSTRAP = 2000
_Z95 = 1.959963984540054


@dataclass(frozen=True)
class Cells:
    """Confusion counts per resample (arrays of shape (B,)); human is the truth, PASS positive."""

    tp: FloatArray
    fn: FloatArray
    tn: FloatArray
    fp: FloatArray


def resample_cells(
    counts: tuple[int, int, int, int], resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
) -> Cells:
    """Draw bootstrap confusion counts (tp, fn, tn, fp) by a multinomial over the four cells."""
    n = sum(counts)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, np.asarray(counts, dtype=float) / n, size=resamples).astype(float)
    return Cells(tp=draws[:, 0], fn=draws[:, 1], tn=draws[:, 2], fp=draws[:, 3])


def _div(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def kappa_of(c: Cells) -> FloatArray:
    """Cohen's κ from counts (NaN where chance agreement is 1)."""
    n = c.tp + c.fn + c.tn + c.fp
    po = _div(c.tp + c.tn, n)
    pe = _div((c.tp + c.fn) * (c.tp + c.fp) + (c.tn + c.fp) * (c.tn + c.fn), n * n)
    return _div(po - pe, 1.0 - pe)


def mcc_of(c: Cells) -> FloatArray:
    """Matthews correlation from counts (NaN where a row or column is empty)."""
    den = np.sqrt((c.tp + c.fp) * (c.tp + c.fn) * (c.tn + c.fp) * (c.tn + c.fn))
    return _div(c.tp * c.tn - c.fp * c.fn, den)


def fail_f1_of(c: Cells) -> FloatArray:
    """F1 with FAIL as the positive class: 2·TN / (2·TN + FN + FP)."""
    return _div(2 * c.tn, 2 * c.tn + c.fn + c.fp)


def pass_f1_of(c: Cells) -> FloatArray:
    """F1 with PASS as the positive class: 2·TP / (2·TP + FN + FP)."""
    return _div(2 * c.tp, 2 * c.tp + c.fn + c.fp)


def balanced_accuracy_of(c: Cells) -> FloatArray:
    """Mean of the true-pass and true-fail rates."""
    return (_div(c.tp, c.tp + c.fn) + _div(c.tn, c.tn + c.fp)) / 2


CELL_STATISTICS: dict[str, Callable[[Cells], FloatArray]] = {
    "kappa": kappa_of,
    "mcc": mcc_of,
    "fail_f1": fail_f1_of,
    "pass_f1": pass_f1_of,
    "balanced_accuracy": balanced_accuracy_of,
}


def percentile_ci(samples: FloatArray, level: float = 0.95) -> list[float] | None:
    """The percentile interval of bootstrap samples, ignoring undefined (NaN) resamples.

    Returns None when more than half of the resamples are undefined: an interval drawn from
    the few that are would mislead.
    """
    finite = samples[np.isfinite(samples)]
    if finite.size == 0 or finite.size < samples.size / 2:
        return None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return [float(low), float(high)]


def cell_cis(
    counts: tuple[int, int, int, int], resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
) -> dict[str, list[float] | None]:
    """Bootstrap 95% intervals of every statistic in `CELL_STATISTICS`."""
    if sum(counts) == 0:
        return dict.fromkeys(CELL_STATISTICS)
    cells = resample_cells(counts, resamples, seed)
    return {name: percentile_ci(fn(cells)) for name, fn in CELL_STATISTICS.items()}


def table_kappa_ci(
    table: npt.NDArray[np.int64], resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
) -> list[float] | None:
    """Bootstrap 95% interval of Cohen's κ from a k×k contingency table (human rows, judge
    columns), e.g. pairwise choices 1 / 2 / tie.

    As with the four pass/fail cells, resampling n pairs is a multinomial draw over the k²
    cells. None with no pairs, or when more than half the resamples have chance agreement 1
    (`percentile_ci`).
    """
    n = int(table.sum())
    if n == 0:
        return None
    k = table.shape[0]
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, table.ravel() / n, size=resamples).astype(float)
    cells = draws.reshape(resamples, k, k)
    po = np.trace(cells, axis1=1, axis2=2) / n
    pe = (cells.sum(axis=2) * cells.sum(axis=1)).sum(axis=1) / (n * n)
    return percentile_ci(_div(po - pe, 1.0 - pe))


_CORR_VARIANCE = {"pearson": 1.0, "spearman": 1.06, "kendall": 0.437}


def correlation_ci(
    x: FloatArray,
    y: FloatArray,
    method: str,
    resamples: int = 1000,
    seed: int = DEFAULT_SEED,
    *,
    estimate: float | None = None,
) -> tuple[list[float] | None, str]:
    """A 95% interval of a correlation (`pearson`, `spearman` or `kendall`) and its method.

    `estimate` is the correlation on all pairs when the caller has it (saves recomputing it).
    """
    n = x.shape[0]
    if n < 4:
        return None, "too few pairs"
    if n > MAX_PAIRS_FOR_INDEX_BOOTSTRAP:
        r = _corr(x, y, method) if estimate is None else estimate
        return _fisher_ci(r, n, method), "fisher_z"
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(resamples, n))
    values = np.array([_corr(x[row], y[row], method) for row in idx])
    return percentile_ci(values), "bootstrap"


def _corr(x: FloatArray, y: FloatArray, method: str) -> float:
    # imported here, not at module level: SciPy/scikit-learn take seconds to import
    from scipy import stats as sps

    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    if method == "pearson":
        return float(np.corrcoef(x, y)[0, 1])
    if method == "spearman":
        return float(sps.spearmanr(x, y).statistic)
    return float(sps.kendalltau(x, y).statistic)


def _fisher_ci(r: float, n: int, method: str) -> list[float] | None:
    if not np.isfinite(r) or abs(r) >= 1:
        return None
    offset = 4 if method == "kendall" else 3
    half = _Z95 * np.sqrt(_CORR_VARIANCE[method] / (n - offset))
    z = np.arctanh(r)
    return [float(np.tanh(z - half)), float(np.tanh(z + half))]
