"""The one read model: (run, criterion, policy) → comparisons, used by every surface.

The CLI report, the HTML report, the web pages and their JSON twins, the dashboard and
alignment runs all pair human labels with verdicts here, with one pass rule
(`stats.comparison.verdict_pass`), one 0–100 normalization (`ScoreConfig.to_100`), one
discrepancy threshold (`stats.comparison.DISCREPANCY_DELTA`), one rule for the criterion
(`criterion`) and two policies (`policy`; `consensus` by default).
"""

from evalign.comparisons.build import (
    ItemComparison,
    JudgeSide,
    RunComparisons,
    RunData,
    compare,
    label_sides,
    load_comparisons,
    read_labels,
    read_run,
    read_run_data,
)
from evalign.comparisons.criterion import choose_criterion, resolve_criterion
from evalign.comparisons.policy import (
    DEFAULT_POLICY,
    POLICIES,
    POLICY_WORDS,
    HumanSide,
    Policy,
    Rating,
    consensus,
    human_sides,
    parse_policy,
    vote_key,
)
from evalign.comparisons.summary import both_policies, headline

__all__ = [
    "DEFAULT_POLICY",
    "POLICIES",
    "POLICY_WORDS",
    "HumanSide",
    "ItemComparison",
    "JudgeSide",
    "Policy",
    "Rating",
    "RunComparisons",
    "RunData",
    "both_policies",
    "choose_criterion",
    "compare",
    "consensus",
    "headline",
    "human_sides",
    "label_sides",
    "load_comparisons",
    "parse_policy",
    "read_labels",
    "read_run",
    "read_run_data",
    "resolve_criterion",
    "vote_key",
]
