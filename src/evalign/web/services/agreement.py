"""Agreement figures of the web pages: `evalign.stats` reports of the read model's
comparisons, typed for the API, each saying which policy it uses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from evalign.comparisons import POLICY_WORDS, RunComparisons, RunData, both_policies
from evalign.stats import Comparison, agreement_report
from evalign.stats.preferences import preference_counts


class Confusion(BaseModel):
    """Human as ground truth: TP pass/pass, FN human pass judge fail (too strict), TN, FP."""

    tp: int = 0
    fn: int = 0
    tn: int = 0
    fp: int = 0


class PolicyFigure(BaseModel):
    """The headline of one policy: its n and agreement."""

    policy: str
    meaning: str
    comparisons: int
    agreement: float | None
    cannot_compare: int


class Preferences(BaseModel):
    """Pairwise choices counted: output 1 ("1"), output 2 ("2"), tie ("0")."""

    n: int
    human: dict[str, int]
    judge: dict[str, int]
    grid: dict[str, dict[str, int]]
    """Human choice → judge choice → count; the diagonal agrees."""
    names: dict[str, str]


class Agreement(BaseModel):
    """How often a judge agrees with the humans, with 95% intervals, under one policy."""

    policy: str
    policy_meaning: str
    n: int
    aligned: int
    misaligned: int
    rate: float | None
    rate_ci: list[float] | None
    kappa: float | None
    kappa_ci: list[float] | None
    confusion: Confusion | None
    """None on a pairwise scale (see `preferences`)."""
    fail_f1: float | None = None
    cannot_compare: int = 0
    cannot_compare_causes: dict[str, int] = {}
    undecided: int = 0
    """Verdicts the judge declined to decide (answer changed with the order), left out of n."""
    rate_all: float | None = None
    """The agreement counting the undecided verdicts as misses; None when there are none."""
    rate_all_ci: list[float] | None = None
    preferences: Preferences | None = None
    other: PolicyFigure | None = None
    """The other policy's headline, where its figures differ from this one's."""
    warnings: list[str] = []
    report: dict[str, Any] = {}
    """The full `evalign.stats.agreement_report` of these comparisons."""


def agreement(comparisons: list[Comparison], excluded: dict[str, int] | None, policy: str,
              other: dict[str, Any] | None = None) -> Agreement:
    """The agreement of `comparisons` (pairs that cannot compare are counted by cause).

    Args:
        comparisons: the pairs, comparable or not.
        excluded: pairs that could not be formed, by cause (tied annotators ...).
        policy: the policy that made them.
        other: the other policy's headline (`comparisons.headline`), shown where it differs.
    """
    report = agreement_report(comparisons, excluded=excluded)
    n = int(report["comparisons"])
    prefs = preference_counts(comparisons)
    return Agreement(
        policy=policy, policy_meaning=POLICY_WORDS.get(policy, policy), n=n,
        aligned=n - int(report["misaligned"]), misaligned=int(report["misaligned"]),
        rate=report["agreement"], rate_ci=report["agreement_ci"], kappa=report["kappa"],
        kappa_ci=report["kappa_ci"],
        confusion=Confusion(**report["confusion"]) if report.get("confusion") else None,
        fail_f1=report.get("fail_f1"), cannot_compare=int(report["cannot_compare"]),
        cannot_compare_causes={k: v for k, v in report["cannot_compare_causes"].items() if v},
        undecided=int(report["cannot_compare_causes"].get("undecided_verdicts", 0)),
        rate_all=report.get("agreement_all"), rate_all_ci=report.get("agreement_all_ci"),
        preferences=Preferences(**prefs) if prefs else None,
        other=PolicyFigure(**{k: other[k] for k in PolicyFigure.model_fields}) if other
        else None, warnings=list(report["warnings"]), report=report)


def run_agreement(loaded: RunComparisons, data: RunData) -> Agreement:
    """The agreement of one run under its policy, with the other policy where it differs."""
    both = both_policies(data, loaded)
    other = next((both[p] for p in both if p not in (loaded.policy, "differ")), None)
    return agreement(loaded.comparisons, loaded.excluded, loaded.policy,
                     other if both["differ"] else None)
