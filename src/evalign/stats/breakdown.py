"""Breakdowns: the same statistics per judge, criterion, annotator or any item field (slice)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from evalign.stats.binary import binary_metrics
from evalign.stats.comparison import Comparison, normalize

KeyFn = Callable[[Comparison], Hashable]
_BUILTIN: dict[str, KeyFn] = {
    "judge": lambda c: c.judge_name,
    "criterion": lambda c: c.criterion,
    "annotator": lambda c: c.annotator,
}
_FIELDS = ("comparisons", "agreement", "agreement_ci", "misaligned", "kappa", "fail_recall",
           "fail_precision", "fail_f1", "pass_recall")


def key_for(by: str | KeyFn) -> KeyFn:
    """The grouping function for `by`: judge, criterion, annotator, or an item field name."""
    if callable(by):
        return by
    if by in _BUILTIN:
        return _BUILTIN[by]
    name = by.removeprefix("metadata.").removeprefix("inputs.")
    return lambda c: _slice_value(c.slices.get(by, c.slices.get(name)))


def breakdown(
    comparisons: Sequence[Comparison], by: str | KeyFn, *, rank: bool = False
) -> list[dict[str, Any]]:
    """One row of key statistics per group.

    Args:
        comparisons: the pairs to split.
        by: `judge`, `criterion`, `annotator`, an item field / metadata key, or a function.
        rank: order by agreement, best first (the default for `judge`); else by group value.

    Returns:
        Rows `{"group", "comparisons", "agreement", "agreement_ci", "misaligned", "kappa",
        "fail_recall", "fail_precision", "fail_f1", "pass_recall", "cannot_compare"}`.
    """
    fn = key_for(by)
    groups: dict[Hashable, list[Comparison]] = {}
    for comp in comparisons:
        groups.setdefault(fn(comp), []).append(comp)
    rows = []
    for group, members in groups.items():
        norm = normalize(members)
        stats = binary_metrics(norm, resamples=200)
        row: dict[str, Any] = {"group": group}
        row.update({k: stats.get(k) for k in _FIELDS})
        row["comparisons"] = norm.n
        row["cannot_compare"] = norm.cannot_compare
        rows.append(row)
    if rank or by == "judge":
        rows.sort(key=lambda r: (r["agreement"] is None, -(r["agreement"] or 0), str(r["group"])))
    else:
        rows.sort(key=lambda r: str(r["group"]))
    return rows


def _slice_value(value: Any) -> Hashable:
    if isinstance(value, (list, dict)):
        return str(value)
    return value if value is not None else "(none)"
