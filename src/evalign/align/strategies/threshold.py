"""The `threshold` strategy: choose the decision threshold on p_pass (or the numeric score)."""

from __future__ import annotations

from collections.abc import Sequence

from evalign.align.aggregate import _best_cut
from evalign.align.examples import Example
from evalign.align.guards import Budget
from evalign.align.scoring import Scorer, agreement
from evalign.align.strategies.base import Candidate
from evalign.judges.spec import JudgeSpec, Verdict


class ThresholdOptimizer:
    """Pick the cut on p_pass that agrees best with the humans.

    The cut is fitted on train and validation verdicts together when train verdicts are known
    (e.g. from a source run), else on validation alone; candidates are compared on validation.
    """

    name = "threshold"

    def __init__(self, scorer: Scorer, examples: Sequence[Example], train_idx: Sequence[int],
                 val_idx: Sequence[int], *, use_train: bool = True):
        self.scorer, self.examples = scorer, examples
        self.train_idx, self.val_idx, self.use_train = train_idx, val_idx, use_train

    async def align(self, base: JudgeSpec, train: Sequence[Example], val: Sequence[Example],
                    budget: Budget) -> Candidate:
        """A copy of `base` with the threshold that agrees best on the fitting items."""
        plain = base.model_copy(update={"threshold": None})
        val_verdicts = await self.scorer.score(plain, self.examples, self.val_idx)
        fit_idx = list(self.val_idx)
        fit_verdicts = list(val_verdicts)
        if self.use_train:
            fit_verdicts = await self.scorer.score(plain, self.examples, self.train_idx) \
                + fit_verdicts
            fit_idx = list(self.train_idx) + fit_idx
        cut = choose_threshold(fit_verdicts, [self.examples[i].passed for i in fit_idx])
        if cut is None:
            return Candidate(base, self.name, agreement(base, val, val_verdicts), val_verdicts,
                             notes=["the judge model gives no p_pass: no threshold to tune"])
        spec = base.model_copy(update={"threshold": round(cut, 4)})
        score = agreement(spec, val, val_verdicts)
        return Candidate(spec, self.name, score, val_verdicts,
                         curve=[{"strategy": self.name, "round": 1, "val_agreement": score,
                                 "threshold": spec.threshold}])


def choose_threshold(verdicts: Sequence[Verdict], labels: Sequence[bool]) -> float | None:
    """The p_pass cut with the best agreement (None when no verdict carries p_pass)."""
    pairs = [(v.p_pass, y) for v, y in zip(verdicts, labels, strict=True) if v.p_pass is not None]
    if not pairs:
        return None
    return _best_cut([p for p, _ in pairs], [y for _, y in pairs])
