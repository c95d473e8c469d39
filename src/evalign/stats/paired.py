"""Two runs on the same items (e.g. judge v1 vs v2): is the difference in agreement real?

Pairs are matched on (item, criterion, annotator, sample). The difference is
agreement(candidate) − agreement(baseline) on the matched pairs, with a paired-bootstrap 95%
interval (a multinomial over the four concordance cells, which is exactly resampling the
pairs) and McNemar's exact test on the discordant pairs.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from evalign.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, percentile_ci
from evalign.stats.comparison import Comparison


def pair_key(comp: Comparison) -> Hashable:
    """What makes two comparisons "the same pair" across runs."""
    return (comp.item_id, comp.criterion, comp.annotator, comp.sample)


def paired_difference(
    baseline: Sequence[Comparison],
    candidate: Sequence[Comparison],
    *,
    seed: int = DEFAULT_SEED,
    resamples: int = DEFAULT_RESAMPLES,
) -> dict[str, Any]:
    """Paired comparison of two runs' agreement with the same human labels.

    Returns:
        `{"pairs", "baseline_agreement", "candidate_agreement", "difference",
        "difference_ci", "mcnemar_p", "flipped_to_aligned", "flipped_to_misaligned",
        "undefined"}`; the flipped lists hold item ids (misaligned in the baseline and aligned
        in the candidate, and the reverse).
    """
    base = {pair_key(c): c.aligned() for c in baseline}
    cand = {pair_key(c): c.aligned() for c in candidate}
    keys = [k for k in base if base[k] is not None and cand.get(k) is not None]
    a = np.array([bool(base[k]) for k in keys], dtype=bool)
    b = np.array([bool(cand[k]) for k in keys], dtype=bool)
    n = len(keys)
    undefined: dict[str, str] = {}
    out: dict[str, Any] = {"pairs": n}
    up = [_item(k) for k, x, y in zip(keys, a, b, strict=True) if y and not x]
    down = [_item(k) for k, x, y in zip(keys, a, b, strict=True) if x and not y]
    out["flipped_to_aligned"] = up
    out["flipped_to_misaligned"] = down
    if n == 0:
        for name in ("baseline_agreement", "candidate_agreement", "difference", "mcnemar_p"):
            out[name], undefined[name] = None, "the runs share no comparable pairs"
        out["difference_ci"], out["undefined"] = None, undefined
        return out
    out["baseline_agreement"] = float(a.mean())
    out["candidate_agreement"] = float(b.mean())
    out["difference"] = float(b.mean() - a.mean())
    cells = (int((a & b).sum()), len(down), len(up), int((~a & ~b).sum()))
    out["difference_ci"] = _difference_ci(cells, seed, resamples)
    discordant = len(up) + len(down)
    if discordant == 0:
        out["mcnemar_p"] = None
        undefined["mcnemar_p"] = "no item changed between the runs (no discordant pairs)"
    else:
        from scipy import stats as sps

        out["mcnemar_p"] = float(sps.binomtest(len(up), discordant, 0.5).pvalue)
    out["undefined"] = undefined
    return out


def _difference_ci(
    cells: tuple[int, int, int, int], seed: int, resamples: int
) -> list[float] | None:
    n = sum(cells)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, np.asarray(cells, dtype=float) / n, size=resamples)
    # cells: both aligned, baseline only, candidate only, neither
    diff = (draws[:, 2] - draws[:, 1]) / n
    return percentile_ci(diff.astype(float))


def _item(key: Hashable) -> Any:
    return key[0] if isinstance(key, tuple) else key
