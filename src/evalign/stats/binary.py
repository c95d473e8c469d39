"""Pass/fail agreement between humans and a judge, with the human as ground truth.

Confusion cells (PASS is the "positive" of the cell names, as in the issue):
TP = human pass & judge pass, FN = human pass & judge fail (judge too strict),
TN = human fail & judge fail, FP = human fail & judge pass (judge too lenient).
Precision, recall and F1 are given with FAIL as the positive class (OpenPipe's convention:
a judge exists to catch failures) and also for PASS.

Every statistic is either a number or None with a reason in `undefined`; nothing undefined is
reported as 0 or 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from evalign.stats.bootstrap import (
    DEFAULT_SEED,
    Cells,
    balanced_accuracy_of,
    cell_cis,
    kappa_of,
    mcc_of,
    table_kappa_ci,
)
from evalign.stats.comparison import BoolArray, FloatArray, Normalized

_Z95 = 1.959963984540054
Stat = float | None


@dataclass(frozen=True)
class Confusion:
    """The four confusion counts with the human as truth."""

    tp: int
    fn: int
    tn: int
    fp: int

    @classmethod
    def of(cls, human_pass: BoolArray, judge_pass: BoolArray) -> Confusion:
        """Count the cells of two boolean arrays."""
        codes = np.bincount(human_pass.astype(np.int64) * 2 + judge_pass.astype(np.int64),
                            minlength=4)
        # code = 2·human + judge: 3 = TP, 2 = FN, 0 = TN, 1 = FP
        return cls(tp=int(codes[3]), fn=int(codes[2]), tn=int(codes[0]), fp=int(codes[1]))

    @property
    def n(self) -> int:
        """All pairs."""
        return self.tp + self.fn + self.tn + self.fp

    def as_tuple(self) -> tuple[int, int, int, int]:
        """(tp, fn, tn, fp)."""
        return self.tp, self.fn, self.tn, self.fp

    def to_dict(self) -> dict[str, int]:
        """{"tp", "fn", "tn", "fp"}."""
        return {"tp": self.tp, "fn": self.fn, "tn": self.tn, "fp": self.fp}


def wilson_ci(successes: int, trials: int) -> list[float] | None:
    """The 95% Wilson score interval of a proportion; None with no trials."""
    if trials <= 0:
        return None
    p = successes / trials
    z2 = _Z95 * _Z95
    denom = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denom
    half = _Z95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denom
    return [max(0.0, centre - half), min(1.0, centre + half)]


class _Out:
    """Collects values, intervals and reasons for undefined values."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.undefined: dict[str, str] = {}

    def rate(self, name: str, k: int, n: int, reason: str) -> None:
        if n == 0:
            self.undefined[name] = reason
            self.values[name], self.values[f"{name}_ci"] = None, None
        else:
            self.values[name], self.values[f"{name}_ci"] = k / n, wilson_ci(k, n)

    def stat(self, name: str, value: float, reason: str) -> None:
        if math.isfinite(value):
            self.values[name] = float(value)
        else:
            self.values[name] = None
            self.undefined[name] = reason


def binary_metrics(
    norm: Normalized, *, seed: int = DEFAULT_SEED, resamples: int = 2000
) -> dict[str, Any]:
    """Agreement, confusion and every pass/fail statistic, each with a 95% interval.

    Returns a dict with `agreement`, `agreement_ci`, `misaligned`, `confusion`,
    `fail_/pass_precision|recall|f1` (+ `_ci`), `true_pass_rate`, `true_fail_rate`, `kappa`,
    `mcc`, `balanced_accuracy` (+ `_ci`), `auc`, `brier`, `calibration` and `undefined`
    (name → reason).
    """
    out = _Out()
    aligned = norm.aligned
    n, k = norm.n, int(aligned.sum())
    out.rate("agreement", k, n, "no comparable pairs")
    out.values["misaligned"] = n - k
    if norm.pairwise:
        return _pairwise(norm, out, seed=seed, resamples=resamples)
    c = Confusion.of(norm.human_pass, norm.judge_pass)
    out.values["confusion"] = c.to_dict()
    _precision_recall(c, out)
    _chance_corrected(c, out)
    cis = cell_cis(c.as_tuple(), resamples, seed) if n else {}
    for name in ("kappa", "mcc", "fail_f1", "pass_f1", "balanced_accuracy"):
        out.values[f"{name}_ci"] = cis.get(name) if out.values.get(name) is not None else None
    _probabilities(norm, out)
    return {**out.values, "undefined": out.undefined}


def _precision_recall(c: Confusion, out: _Out) -> None:
    out.rate("fail_precision", c.tn, c.tn + c.fn, "the judge never answered FAIL")
    out.rate("fail_recall", c.tn, c.tn + c.fp, "no human FAIL labels")
    out.rate("pass_precision", c.tp, c.tp + c.fp, "the judge never answered PASS")
    out.rate("pass_recall", c.tp, c.tp + c.fn, "no human PASS labels")
    out.rate("true_pass_rate", c.tp, c.tp + c.fn, "no human PASS labels")
    out.rate("true_fail_rate", c.tn, c.tn + c.fp, "no human FAIL labels")
    for cls, hit in (("fail", c.tn), ("pass", c.tp)):
        p, r = out.values[f"{cls}_precision"], out.values[f"{cls}_recall"]
        if p is None or r is None:
            out.stat(f"{cls}_f1", math.nan, f"{cls.upper()} precision or recall is undefined")
        else:
            out.stat(f"{cls}_f1", 2 * hit / (2 * hit + c.fn + c.fp), "")


def _chance_corrected(c: Confusion, out: _Out) -> None:
    """κ, MCC and balanced accuracy from the four counts.

    Computed from the counts (the same formulas the bootstrap resamples, cross-checked against
    scikit-learn in the tests) because scikit-learn re-derives the counts from the label
    arrays, which costs seconds at a million pairs.
    """
    if c.n == 0:
        for name in ("kappa", "mcc", "balanced_accuracy"):
            out.stat(name, math.nan, "no comparable pairs")
        return
    cells = Cells(*(np.array([float(v)]) for v in c.as_tuple()))
    out.stat("kappa", float(kappa_of(cells)[0]),
             "only one class on both sides: chance agreement is 1")
    out.stat("mcc", float(mcc_of(cells)[0]), "humans or judge used only one class")
    out.stat("balanced_accuracy", float(balanced_accuracy_of(cells)[0]),
             "humans used only one class")


def _probabilities(norm: Normalized, out: _Out) -> None:
    from sklearn import metrics as skm

    mask = np.isfinite(norm.p_pass)
    if not mask.any():
        out.values.update(auc=None, auc_ci=None, brier=None, calibration=None)
        out.undefined["auc"] = "no verdict carries p_pass"
        return
    y, p = norm.human_pass[mask], norm.p_pass[mask]
    if y.all() or not y.any():
        out.stat("auc", math.nan, "humans used only one class")
        out.values["auc_ci"] = None
    else:
        out.stat("auc", skm.roc_auc_score(y, p), "")
        out.values["auc_ci"] = auc_ci(out.values["auc"], int(y.sum()), int((~y).sum()))
    out.values["brier"] = float(skm.brier_score_loss(y, p, pos_label=True))
    out.values["calibration"] = calibration_table(y, p)


def auc_ci(auc: float, positives: int, negatives: int) -> list[float]:
    """95% interval of an AUC by the Hanley & McNeil (1982) standard error, clipped to [0, 1]."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc)
           + (negatives - 1) * (q2 - auc * auc)) / (positives * negatives)
    half = _Z95 * math.sqrt(max(var, 0.0))
    return [max(0.0, auc - half), min(1.0, auc + half)]


def calibration_table(y: BoolArray, p: FloatArray, bins: int = 10) -> list[dict[str, Any]]:
    """Equal-width bins of p_pass: count, mean p_pass and observed human pass rate per bin."""
    index = np.minimum((p * bins).astype(np.int64), bins - 1)
    counts = np.bincount(index, minlength=bins)
    p_sum = np.bincount(index, weights=p, minlength=bins)
    y_sum = np.bincount(index, weights=y.astype(float), minlength=bins)
    return [
        {"bin": [b / bins, (b + 1) / bins], "count": int(counts[b]),
         "mean_p_pass": float(p_sum[b] / counts[b]),
         "human_pass_rate": float(y_sum[b] / counts[b]),
         "human_pass_rate_ci": wilson_ci(int(y_sum[b]), int(counts[b]))}
        for b in range(bins) if counts[b]
    ]


def _pairwise(norm: Normalized, out: _Out, *, seed: int, resamples: int) -> dict[str, Any]:
    """Pairwise choices (1, 2, tie): agreement and κ over the choices, κ with a bootstrap 95%
    interval over the 3×3 choice table; no pass/fail cells."""
    from sklearn import metrics as skm

    assert norm.human_choice is not None and norm.judge_choice is not None
    reason = "pairwise scale: no pass/fail"
    for name in ("fail_precision", "fail_recall", "fail_f1", "pass_precision", "pass_recall",
                 "pass_f1", "true_pass_rate", "true_fail_rate", "mcc", "balanced_accuracy",
                 "auc"):
        out.values[name], out.values[f"{name}_ci"] = None, None
        out.undefined[name] = reason
    out.values.update(confusion=None, brier=None, calibration=None, auc_ci=None)
    h, j = norm.human_choice, norm.judge_choice
    single = len(set(h.tolist()) | set(j.tolist())) < 2
    out.stat("kappa", math.nan if single or norm.n == 0 else skm.cohen_kappa_score(h, j),
             "only one choice on both sides")
    out.values["kappa_ci"] = None
    if out.values["kappa"] is None:
        out.undefined["kappa_ci"] = "κ is undefined"
    else:
        table = np.zeros((3, 3), dtype=np.int64)  # rows: human 0/1/2, columns: judge
        np.add.at(table, (h.astype(np.int64), j.astype(np.int64)), 1)
        out.values["kappa_ci"] = table_kappa_ci(table, resamples, seed)
        if out.values["kappa_ci"] is None:
            out.undefined["kappa_ci"] = "most resamples hold one choice on both sides"
    return {**out.values, "undefined": out.undefined}
