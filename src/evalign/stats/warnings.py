"""Warnings attached to a report: when its figures deserve less trust than they seem to."""

from __future__ import annotations

from evalign.stats.comparison import Normalized

MIN_COMPARISONS = 30
_CAUSE_WORDS = {
    "text_labels": "text labels or verdicts",
    "incompatible_scales": "scales that do not compare",
    "errored_verdicts": "errored verdicts",
    "undecided_verdicts": "undecided (answer changed with the order)",
    "annotators_tied": "annotators tied (no consensus)",
    "unreadable_labels": "labels their scale no longer reads",
}


def collect_warnings(norm: Normalized, *, min_comparisons: int = MIN_COMPARISONS) -> list[str]:
    """Plain-language warnings: too few comparisons, one class absent, a judge no better than
    the majority label, pairs left out (by cause)."""
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
            other = "FAIL" if judges == n else "PASS"
            found.append(f"the judge answered {cls} on every item: it never answers {other}")
        found.extend(_majority_warning(norm, humans))
    if norm.cannot_compare:
        parts = ", ".join(f"{count} {_CAUSE_WORDS.get(cause, cause)}"
                          for cause, count in norm.causes.items() if count)
        found.append(f"{norm.cannot_compare} pairs could not be compared and were left out: "
                     f"{parts}")
    return found


def _majority_warning(norm: Normalized, human_passes: int) -> list[str]:
    """A judge whose agreement does not beat always answering the humans' majority label,
    on imbalanced classes only: on balanced ones there is no majority label, and κ says
    what a chance-level judge is worth."""
    n = norm.n
    if human_passes in (0, n):
        return []  # one class only: said above, and every rate about the other is undefined
    if human_passes * 2 == n:
        return []  # balanced: "always PASS" is no majority, and nothing is imbalanced
    majority = max(human_passes, n - human_passes)
    hits = int(norm.aligned.sum())
    if hits > majority:
        return []
    cls = "PASS" if human_passes * 2 > n else "FAIL"
    return [f"agreement {hits}/{n} is no better than always answering the majority label "
            f"{cls} ({majority}/{n}): the classes are imbalanced, so read κ and FAIL recall, "
            "not agreement"]
