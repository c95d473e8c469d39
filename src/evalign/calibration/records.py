"""Reading calibration records: what `evalign judge calibration` and the judge page show."""

from __future__ import annotations

from typing import Any

from evalign.calibration.fingerprint import spec_hash
from evalign.store import Store
from evalign.store.repo_calibrations import list_calibrations
from evalign.store.repo_judges import get_judge, list_versions


def calibration_history(store: Store, judge: str) -> list[dict[str, Any]]:
    """Every calibration record of `judge` (any version), newest first, as JSON-ready dicts.

    Each dict is a record's `to_dict()` plus `matches_versions`: the judge's versions whose
    content still hashes to the calibrated one (empty when every such version was edited).

    Raises:
        NotFoundError: no such judge.
    """
    with store.session() as session:
        get_judge(session, judge)
        hashes: dict[str, list[int]] = {}
        for version in list_versions(session, judge):
            hashes.setdefault(spec_hash(version.spec), []).append(version.version)
        records = list_calibrations(session, judge)
    return [record.to_dict() | {"matches_versions": hashes.get(record.spec_hash, [])}
            for record in records]
