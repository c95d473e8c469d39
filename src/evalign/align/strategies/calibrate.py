"""The `calibrate` strategy: map a numeric judge's scores onto the human scale.

Only for numeric (or star) judges compared with numeric human labels; elsewhere it changes
nothing and says so in a note (the outcome's notes). The judge's verdicts on
train fit an isotonic and a linear map (`evalign.align.calibrate`); validation chooses one by
mean absolute error (or none, when neither beats the raw scores); the map is stored in the
candidate (`checks.calibration`), so the accepted judge applies it to every verdict.
"""

from __future__ import annotations

from dataclasses import replace

from evalign.align.calibrate import choose_calibration, paired_scores
from evalign.align.scoring import agreement
from evalign.align.strategies.base import Candidate, Context, Part
from evalign.judges.calibrated import calibrated_value
from evalign.judges.spec import JudgeSpec


class CalibrateOptimizer:
    """Learn a monotone map of the judge's score on train; keep it if validation MAE drops."""

    name = "calibrate"
    phase = "calibrating scores"

    async def optimize(self, judge: JudgeSpec, train: Part, val: Part,
                       ctx: Context) -> Candidate:
        """A copy of `judge` with `checks.calibration`, or `judge` itself when nothing helps."""
        val_ex = val.examples
        if judge.scale.group != "numeric" or not val_ex or val_ex[0].scale.group != "numeric":
            # Never kept (-inf), but said when asked for: it must not vanish silently.
            why = _not_numeric(judge, val_ex[0].scale.spec() if val_ex else None)
            return Candidate(judge, self.name, float("-inf"), notes=[why] if ctx.chosen else [])
        plain = judge.model_copy(update={"checks": {k: v for k, v in judge.checks.items()
                                                    if k != "calibration"}})
        train_v = await ctx.scorer.score(plain, train.pool, train.indices)
        val_v = await ctx.scorer.score(plain, val.pool, val.indices)
        train_pairs = paired_scores(judge, train.examples, train_v)
        calibration, maes = choose_calibration(train_pairs, paired_scores(judge, val_ex, val_v))
        curve = [{"strategy": self.name, "round": 1, "method": m, "val_mae": v}
                 for m, v in maes.items()]
        if calibration is None:
            return Candidate(judge, self.name, agreement(judge, val_ex, val_v), val_v,
                             curve=curve, notes=[_why_none(len(train_pairs[0]))],
                             details={"val_mae": maes}, val_mae=maes.get("none"))
        spec = plain.model_copy(update={"checks": {**plain.checks, "calibration": calibration}})
        mapped = [replace(v, value=calibrated_value(calibration, spec.scale, v.value))
                  if v.value is not None else v for v in val_v]
        return Candidate(spec, self.name, agreement(spec, val_ex, mapped), mapped, curve=curve,
                         details={"calibration": calibration, "val_mae": maes},
                         val_mae=maes[calibration["method"]])


def _not_numeric(judge: JudgeSpec, labels: str | None) -> str:
    """Why calibrate did nothing: it needs a numeric (or star) judge and numeric labels."""
    humans = f"the human labels are {labels}" if labels else "there are no validation labels"
    return (f"skipped: calibrate applies only to a numeric (or star) judge compared with "
            f"numeric human labels; this judge answers {judge.scale.spec()} and {humans}, so "
            "nothing was calibrated (with no other strategy, the candidate is the base judge)")


def _why_none(fitted_on: int) -> str:
    if fitted_on < 2:
        return (f"no calibration: {fitted_on} train item(s) had a readable judge score and a "
                "human score; a map needs at least two")
    return "no calibration lowered the validation MAE"
