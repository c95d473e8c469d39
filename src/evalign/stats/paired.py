"""Two runs on the same items (e.g. judge v1 vs v2): is the difference in agreement real?

Pairs are matched on (item, criterion, annotator, sample). The difference is
agreement(candidate) − agreement(baseline) on the matched pairs, with a paired-bootstrap 95%
interval (a multinomial over the four concordance cells, which is exactly resampling the
pairs) and McNemar's exact test on the discordant pairs.

Which matched pairs count:

    both sides compare        the pair counts, each side aligned or not
    a side undecided          the pair counts, that side as a miss: a pairwise judge that
                              declined to decide (order policy `uncertain`) must not drop the
                              items it found hard from its own figure (`undecided_as_misses`)
    a side errored            the pair is left out (a failed call says nothing of the judge),
                              and counted (`errored_left_out`)
    a side cannot compare     left out (text labels, scales that do not compare)
    on one run only           left out, counted (`unmatched`): e.g. an item still pending
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from evalign.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, percentile_ci
from evalign.stats.comparison import Comparison

SIDES = ("baseline", "candidate")


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
        "undecided_as_misses", "errored_left_out", "unmatched", "notes", "undefined"}`; the
        flipped lists hold item ids (misaligned in the baseline and aligned in the candidate,
        and the reverse); `undecided_as_misses` and `errored_left_out` count per side
        (`{"baseline", "candidate"}`, and `errored_left_out["pairs"]`: pairs left out, a pair
        errored on both sides counted once); `notes` says the same in words.
    """
    matched = _match(baseline, candidate)
    keys = matched.keys
    a, b = np.array(matched.base, dtype=bool), np.array(matched.cand, dtype=bool)
    n = len(keys)
    undefined: dict[str, str] = {}
    out: dict[str, Any] = {"pairs": n}
    up = [_item(k) for k, x, y in zip(keys, a, b, strict=True) if y and not x]
    down = [_item(k) for k, x, y in zip(keys, a, b, strict=True) if x and not y]
    out["flipped_to_aligned"] = up
    out["flipped_to_misaligned"] = down
    out.update(matched.counts())
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


class _Matched:
    """The matched pairs that count, each side's hit, and what was counted apart."""

    def __init__(self) -> None:
        self.keys: list[Hashable] = []
        self.base: list[bool] = []
        self.cand: list[bool] = []
        self.undecided = dict.fromkeys(SIDES, 0)
        self.errored = dict.fromkeys(SIDES, 0)
        self.errored_pairs = 0
        self.unmatched = 0

    def add(self, key: Hashable, pair: tuple[Comparison, Comparison]) -> None:
        """Count one matched pair (see the module docstring for which pairs count)."""
        causes = [c.cause for c in pair]
        if "errored_verdicts" in causes:
            self.errored_pairs += 1
            for side, cause in zip(SIDES, causes, strict=True):
                self.errored[side] += cause == "errored_verdicts"
            return
        if any(cause not in (None, "undecided_verdicts") for cause in causes):
            return
        for side, cause in zip(SIDES, causes, strict=True):
            self.undecided[side] += cause == "undecided_verdicts"
        self.keys.append(key)
        self.base.append(bool(pair[0].aligned()))  # None (undecided) is a miss
        self.cand.append(bool(pair[1].aligned()))

    def counts(self) -> dict[str, Any]:
        """`undecided_as_misses`, `errored_left_out`, `unmatched` and `notes`."""
        notes = [f"{n} undecided verdicts of the {side} (its answer changed with the order) "
                 "counted as misses" for side, n in self.undecided.items() if n]
        if self.errored_pairs:
            per_side = ", ".join(f"{side} {n}" for side, n in self.errored.items() if n)
            notes.append(f"{self.errored_pairs} pairs left out: a verdict errored ({per_side})")
        if self.unmatched:
            notes.append(f"{self.unmatched} pairs of one run have no counterpart in the other "
                         "(left out)")
        return {"undecided_as_misses": dict(self.undecided),
                "errored_left_out": {"pairs": self.errored_pairs, **self.errored},
                "unmatched": self.unmatched, "notes": notes}


def _match(baseline: Sequence[Comparison], candidate: Sequence[Comparison]) -> _Matched:
    base = {pair_key(c): c for c in baseline}
    cand = {pair_key(c): c for c in candidate}
    out = _Matched()
    for key, comp in base.items():
        if key in cand:
            out.add(key, (comp, cand[key]))
    out.unmatched = len(base.keys() ^ cand.keys())
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
