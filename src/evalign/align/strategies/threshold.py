"""The `threshold` strategy: choose the decision threshold on p_pass (or the numeric score)."""

from __future__ import annotations

from collections.abc import Sequence

from evalign.align.aggregate import _best_cut
from evalign.align.scoring import agreement
from evalign.align.strategies.base import Candidate, Context, Part
from evalign.judges.spec import JudgeSpec, Verdict


class ThresholdOptimizer:
    """Pick the cut on p_pass that agrees best with the humans.

    The cut is fitted on train and validation verdicts together when train verdicts are known
    (e.g. from a source run), else on validation alone; candidates are compared on validation.
    """

    name = "threshold"
    phase = "tuning the threshold"

    def __init__(self, *, use_train: bool = True):
        self.use_train = use_train

    async def optimize(self, judge: JudgeSpec, train: Part, val: Part,
                       ctx: Context) -> Candidate:
        """A copy of `judge` with the threshold that agrees best on the fitting items."""
        plain = judge.model_copy(update={"threshold": None})
        val_verdicts = await ctx.scorer.score(plain, val.pool, val.indices)
        fit_idx = list(val.indices)
        fit_verdicts = list(val_verdicts)
        if self.use_train:
            fit_verdicts = await ctx.scorer.score(plain, train.pool, train.indices) \
                + fit_verdicts
            fit_idx = list(train.indices) + fit_idx
        cut = choose_threshold(fit_verdicts, [val.pool[i].passed for i in fit_idx])
        if cut is None:
            return Candidate(judge, self.name, agreement(judge, val.examples, val_verdicts),
                             val_verdicts,
                             notes=["the judge model gives no p_pass: no threshold to tune"])
        spec = judge.model_copy(update={"threshold": round(cut, 4)})
        score = agreement(spec, val.examples, val_verdicts)
        return Candidate(spec, self.name, score, val_verdicts,
                         curve=[{"strategy": self.name, "round": 1, "val_agreement": score,
                                 "threshold": spec.threshold}])


def choose_threshold(verdicts: Sequence[Verdict], labels: Sequence[bool]) -> float | None:
    """The p_pass cut with the best agreement (None when no verdict carries p_pass)."""
    pairs = [(v.p_pass, y) for v, y in zip(verdicts, labels, strict=True) if v.p_pass is not None]
    if not pairs:
        return None
    return _best_cut([p for p, _ in pairs], [y for _, y in pairs])
