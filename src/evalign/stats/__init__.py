"""Agreement statistics: pure functions over comparisons (human label vs judge verdict).

Modules: `comparison` (records and normalization), `binary` (pass/fail statistics),
`numeric` (0–100 statistics), `bootstrap` (fixed-seed intervals), `paired` (two runs),
`annotators` (inter-annotator agreement), `breakdown` (slices), `stability` (repeats),
`bias` (pairwise probes), `preferences` (pairwise choices counted), `warnings`, and
`report` (the top-level reports).
"""

from evalign.stats.annotators import annotator_agreement, majority_labels
from evalign.stats.bias import length_preference, position_consistency
from evalign.stats.binary import Confusion, binary_metrics, wilson_ci
from evalign.stats.breakdown import breakdown
from evalign.stats.comparison import (
    Comparison,
    Normalized,
    comparisons_from_lists,
    from_arrays,
    normalize,
)
from evalign.stats.numeric import numeric_metrics
from evalign.stats.paired import paired_difference
from evalign.stats.preferences import preference_counts
from evalign.stats.report import (
    agreement_report,
    agreement_report_arrays,
    misaligned,
    paired_report,
)
from evalign.stats.stability import stability

__all__ = [
    "Comparison",
    "Confusion",
    "Normalized",
    "agreement_report",
    "agreement_report_arrays",
    "annotator_agreement",
    "binary_metrics",
    "breakdown",
    "comparisons_from_lists",
    "from_arrays",
    "length_preference",
    "majority_labels",
    "misaligned",
    "normalize",
    "numeric_metrics",
    "paired_difference",
    "paired_report",
    "position_consistency",
    "preference_counts",
    "stability",
    "wilson_ci",
]
