"""Alignment runs: turn judge–human disagreements into a better judge, proven on held-out items.

Modules: `split` (honest train/val/test), `traces` (disagreement traces), `guards`,
`baselines` (majority, length), `rubric` + `aggregate` (decomposed checks), `strategies/`
(guidelines, fewshot, threshold, decompose behind one interface), `engine` (one split),
`pipeline` + `run` (the stored run lifecycle), `outcome` (test statistics), `api` (`align`).
"""

from evalign.align.api import align
from evalign.align.config import AlignConfig
from evalign.align.run import (
    AlignmentRun,
    accept_alignment,
    alignment_history,
    cancel_alignment,
    execute_alignment,
    get_alignment,
    reject_alignment,
    start_alignment,
)

__all__ = [
    "AlignConfig",
    "AlignmentRun",
    "accept_alignment",
    "align",
    "alignment_history",
    "cancel_alignment",
    "execute_alignment",
    "get_alignment",
    "reject_alignment",
    "start_alignment",
]
