"""Calibration records and the release gate built on them.

Modules: `fingerprint` (a judge version's content hash), `evidence` (recording held-out figures
from an accepted alignment run's test split or a fresh run), `gate` (the conditions a release
gate checks), `records` (reading records for display and export), `online` (routing items
scored online to the annotation queue), `trend` (agreement on those fresh labels over time,
and the recent window the gate can require).
"""

from evalign.calibration.fingerprint import spec_hash
from evalign.calibration.gate import Condition, GateResult, gate
from evalign.calibration.online import OnlineSampling, route_scored
from evalign.calibration.records import calibration_history
from evalign.calibration.trend import RecentWindow, TrendPoint, online_trend, recent_window

__all__ = ["Condition", "GateResult", "OnlineSampling", "RecentWindow", "TrendPoint",
           "calibration_history", "gate", "online_trend", "recent_window", "route_scored",
           "spec_hash"]
