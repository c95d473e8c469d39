"""Agreement statistics: pure functions over comparisons (human label vs judge verdict).

Modules: `comparison` (records and normalization), `binary` (pass/fail statistics),
`numeric` (0–100 statistics), `bootstrap` (fixed-seed intervals), `paired` (two runs),
`annotators` (inter-annotator agreement), `breakdown` (slices), `stability` (repeats),
`bias` (pairwise probes), `warnings`, and `report` (the top-level reports).
"""

from evalign.stats.binary import Confusion, binary_metrics, wilson_ci
from evalign.stats.comparison import (
    Comparison,
    Normalized,
    comparisons_from_lists,
    from_arrays,
    normalize,
)
from evalign.stats.numeric import numeric_metrics
from evalign.stats.paired import paired_difference
from evalign.stats.report import (
    agreement_report,
    agreement_report_arrays,
    misaligned,
    paired_report,
)

__all__ = [
    "Comparison",
    "Confusion",
    "Normalized",
    "agreement_report",
    "agreement_report_arrays",
    "binary_metrics",
    "comparisons_from_lists",
    "from_arrays",
    "misaligned",
    "normalize",
    "numeric_metrics",
    "paired_difference",
    "paired_report",
    "wilson_ci",
]
