"""Warnings attached to a report: when its figures deserve less trust than they seem to."""

from __future__ import annotations

from evalign.stats.comparison import Normalized

MIN_COMPARISONS = 30


def collect_warnings(norm: Normalized, *, min_comparisons: int = MIN_COMPARISONS) -> list[str]:
    """Plain-language warnings: too few comparisons, one class absent, pairs left out."""
    found: list[str] = []
    n = norm.n
    if n == 0:
        found.append("no comparable label/verdict pairs: nothing to report")
        return found
    if n < min_comparisons:
        found.append(f"only {n} comparisons (< {min_comparisons}): intervals are wide, "
                     "treat the figures as rough")
    if not norm.pairwise:
        humans = int(norm.human_pass.sum())
        if humans in (0, n):
            cls = "PASS" if humans == n else "FAIL"
            found.append(f"every human label is {cls}: the other class is absent, so recall, "
                         "κ, MCC and AUC on it are undefined")
        judges = int(norm.judge_pass.sum())
        if judges in (0, n):
            cls = "PASS" if judges == n else "FAIL"
            found.append(f"the judge answered {cls} on every item")
    if norm.cannot_compare:
        found.append(f"{norm.cannot_compare} pairs could not be compared (text labels, "
                     "incompatible scales or errored verdicts) and were left out")
    return found
