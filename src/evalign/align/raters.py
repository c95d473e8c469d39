"""The outcome's `raters` block: a numeric judge on test against the raters' mean and each rater.

Only for numeric (or star) labels where some test item has two or more raters. Both the base
judge and the candidate are measured (`stats.raters.judge_vs_raters`), each verdict read with
the judge of its fold (a calibrated candidate's map applies), errored verdicts left out.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from evalign.align.examples import Example
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.scores import Value
from evalign.stats.raters import judge_vs_raters


def rater_outcome(test: Sequence[Example], base: JudgeSpec, specs: Sequence[JudgeSpec],
                  base_verdicts: Sequence[Verdict], cand_verdicts: Sequence[Verdict]
                  ) -> dict[str, Any] | None:
    """`{"baseline": ..., "candidate": ...}` (see `judge_vs_raters`), or None when the test
    labels are not numeric or no test item has two raters."""
    if not test or test[0].scale.group != "numeric" \
            or not any(len(e.ratings) >= 2 for e in test):
        return None
    ratings: dict[Hashable, Mapping[str, Value]] = {
        n: e.ratings for n, e in enumerate(test) if e.ratings}
    scale = test[0].scale
    return {
        "baseline": judge_vs_raters(ratings, scale, _judged([base] * len(test), base_verdicts)),
        "candidate": judge_vs_raters(ratings, scale, _judged(specs, cand_verdicts)),
    }


def _judged(specs: Sequence[JudgeSpec], verdicts: Sequence[Verdict]) -> dict[Hashable, float]:
    """Test position → the verdict on 0–100 (errored or unreadable verdicts left out)."""
    out: dict[Hashable, float] = {}
    for n, (spec, verdict) in enumerate(zip(specs, verdicts, strict=True)):
        if verdict.value is None or verdict.error is not None or spec.scale.group != "numeric":
            continue
        try:
            score = spec.scale.to_100(spec.scale.parse_value(verdict.value))
        except ValueError:
            continue
        if score is not None:
            out[n] = score
    return out
