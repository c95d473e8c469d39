"""Agreement figures of the web pages, computed by `evalign.stats` and typed for the API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from evalign.scores import ScoreConfig
from evalign.stats import Comparison as StatsComparison
from evalign.stats import agreement_report, agreement_report_arrays
from evalign.web.services.comparisons import Comparison

PAIRWISE = ScoreConfig(kind="pairwise")


class Confusion(BaseModel):
    """Human as ground truth: TP pass/pass, FN human pass judge fail (too strict), TN, FP."""

    tp: int = 0
    fn: int = 0
    tn: int = 0
    fp: int = 0


class Agreement(BaseModel):
    """How often a judge agrees with the humans on pass/fail, with 95% intervals."""

    n: int
    aligned: int
    misaligned: int
    rate: float | None
    rate_ci: list[float] | None
    kappa: float | None
    kappa_ci: list[float] | None
    confusion: Confusion
    fail_f1: float | None = None
    warnings: list[str] = []
    report: dict[str, Any] = {}
    """The full `evalign.stats.agreement_report` of these comparisons."""


def stats_comparisons(comparisons: list[Comparison]) -> list[StatsComparison]:
    """The compared items as the statistics library's records (pass/fail or pairwise)."""
    out = []
    for c in comparisons:
        if c.compared and c.human is not None:
            if c.pairwise:
                out.append(StatsComparison(item_id=c.item_id, human=c.human.key,
                                           judge=c.judge_key, human_scale=PAIRWISE,
                                           judge_scale=PAIRWISE))
            else:
                out.append(StatsComparison(item_id=c.item_id,
                                           human="pass" if c.human.key else "fail",
                                           judge="pass" if c.judge_key else "fail"))
    return out


def agreement(comparisons: list[Comparison]) -> Agreement:
    """Agreement of the compared items among `comparisons`."""
    if any(c.pairwise for c in comparisons):
        return _from_report(agreement_report(stats_comparisons(comparisons)))
    pairs = [(bool(c.human.key), bool(c.judge_key), c.p_pass) for c in comparisons
             if c.compared and c.human is not None]
    p_pass = [p for _, _, p in pairs]
    report = agreement_report_arrays(
        [h for h, _, _ in pairs], [j for _, j, _ in pairs],
        p_pass=[float("nan") if p is None else p for p in p_pass]
        if any(p is not None for p in p_pass) else None)
    return _from_report(report)


def _from_report(report: dict[str, Any]) -> Agreement:
    n = int(report["comparisons"])
    confusion = Confusion(**(report.get("confusion") or {}))
    return Agreement(n=n, aligned=n - int(report["misaligned"]),
                     misaligned=int(report["misaligned"]), rate=report["agreement"],
                     rate_ci=report["agreement_ci"], kappa=report["kappa"],
                     kappa_ci=report["kappa_ci"], confusion=confusion,
                     fail_f1=report.get("fail_f1"), warnings=list(report["warnings"]),
                     report=report)
