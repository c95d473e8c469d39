"""Calibration records and the release gate built on them.

Modules: `fingerprint` (a judge version's content hash), `evidence` (recording held-out figures
from an accepted alignment run's test split or a fresh run), `gate` (the conditions a release
gate checks), `records` (reading records for display and export).
"""

from evalign.calibration.fingerprint import spec_hash
from evalign.calibration.gate import Condition, GateResult, gate
from evalign.calibration.records import calibration_history

__all__ = ["Condition", "GateResult", "calibration_history", "gate", "spec_hash"]
