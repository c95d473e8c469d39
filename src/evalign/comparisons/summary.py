"""Headline figures of a run under each policy, so a page can show both where they differ."""

from __future__ import annotations

from typing import Any

from evalign.comparisons.build import RunComparisons, RunData, compare
from evalign.comparisons.policy import POLICIES, POLICY_WORDS
from evalign.stats.comparison import normalize


def headline(loaded: RunComparisons) -> dict[str, Any]:
    """`{"policy", "meaning", "comparisons", "aligned", "misaligned", "agreement",
    "cannot_compare"}` of one policy's comparisons (agreement None without pairs)."""
    norm = normalize(loaded.comparisons, loaded.excluded)
    aligned = int(norm.aligned.sum())
    return {"policy": loaded.policy, "meaning": POLICY_WORDS[loaded.policy],
            "comparisons": norm.n, "aligned": aligned, "misaligned": norm.n - aligned,
            "agreement": aligned / norm.n if norm.n else None,
            "cannot_compare": norm.cannot_compare}


def _policies_can_differ(data: RunData) -> bool:
    return any(len(labels) > 1 or any(label.resolved for label in labels)
               for labels in data.labels.values())


def both_policies(data: RunData, chosen: RunComparisons | None = None) -> dict[str, Any]:
    """Each policy's headline, and whether they differ (in n or in agreement).

    Args:
        data: the run as read.
        chosen: its comparisons under one policy, when already built (not built twice).

    Returns:
        `{"per_label": headline, "consensus": headline, "differ": bool}`.
    """
    out: dict[str, Any] = {}
    if chosen is not None and not _policies_can_differ(data):
        # one own label per item and no adjudication: both policies make the same pairs
        same = headline(chosen)
        return {p: same | {"policy": p, "meaning": POLICY_WORDS[p]} for p in POLICIES} | {
            "differ": False}
    for policy in POLICIES:
        loaded = chosen if chosen is not None and chosen.policy == policy else compare(data,
                                                                                      policy)
        out[policy] = headline(loaded)
    first, second = (out[p] for p in POLICIES)
    out["differ"] = any(first[k] != second[k] for k in ("comparisons", "agreement",
                                                         "cannot_compare"))
    return out
