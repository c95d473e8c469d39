"""The release gate: pass only a judge version shown to agree with its humans, unchanged since.

    gate(store, "judge", "gold", min_kappa=0.6)

reads (or, with `calibrate=True`, makes) the calibration record of the judge on the dataset and
checks, each as a named condition:

- `calibrated`: a record exists whose content hash equals the version's. A version made by an
  accepted alignment run on the dataset is calibrated by that run's test split automatically;
  any other version needs `calibrate=True` (a fresh run). When only records of other content
  exist, the condition says which parts (prompt, model, params, ...) changed since.
- `dataset_unchanged`: the dataset's items and labels fingerprint as they did at calibration.
- `no_errors`: no verdict of the calibration was an error (unless `allow_errors`).
- `min_agreement` / `min_kappa`: the LOWER bound of the 95% interval (Wilson for agreement,
  bootstrap for κ) is at least the floor. A figure without an interval fails.
- with `recent_days`: `recent_n` (at least `min_recent_n` labeled pairs among the version's
  items scored online in the last N days, `calibration.trend.recent_window`) and
  `recent_agreement` / `recent_kappa` (the same floors on that window's lower bounds).

The gate passes when every condition holds; the CLI exits 0 then, else 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evalign.calibration.evidence import from_alignment, from_fresh_run
from evalign.calibration.fingerprint import changed_parts, spec_content, spec_hash
from evalign.calibration.trend import recent_window
from evalign.errors import ConfigError
from evalign.providers.base import ModelAPI
from evalign.report.load import pick_criterion
from evalign.store import Store
from evalign.store.repo_calibrations import (
    CalibrationRecord,
    dataset_fingerprint,
    latest_calibration,
    list_calibrations,
)
from evalign.store.repo_criteria import get_criterion
from evalign.store.repo_items import get_dataset
from evalign.store.repo_judges import JudgeVersionInfo, resolve

MIN_RECENT_N = 30
"""The fewest compared pairs a recent window must hold by default (`--min-recent-n`)."""


@dataclass(frozen=True)
class Condition:
    """One checked condition: its name, whether it holds, and why, in words."""

    name: str
    passed: bool
    message: str


@dataclass
class GateResult:
    """The gate's answer.

    Attributes:
        judge: `NAME@V` gated; `spec_hash` its content hash.
        dataset: the labeled dataset.
        passed: every condition holds.
        conditions: each condition checked, in order.
        calibration: the record the figures came from (None when there is none).
    """

    judge: str
    spec_hash: str
    dataset: str
    passed: bool
    conditions: list[Condition] = field(default_factory=list)
    calibration: CalibrationRecord | None = None

    @property
    def failed(self) -> list[Condition]:
        """The conditions that do not hold."""
        return [c for c in self.conditions if not c.passed]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the `--json` output of `evalign gate`)."""
        return {"judge": self.judge, "spec_hash": self.spec_hash, "dataset": self.dataset,
                "passed": self.passed,
                "conditions": [{"name": c.name, "passed": c.passed, "message": c.message}
                               for c in self.conditions],
                "calibration": self.calibration.to_dict() if self.calibration else None}


def gate(store: Store, judge_ref: str, dataset: str, *, min_agreement: float | None = None,
         min_kappa: float | None = None, calibrate: bool = False, criterion: str | None = None,
         allow_errors: bool = False, provider: ModelAPI | None = None,
         concurrency: int | None = None, recent_days: int | None = None,
         min_recent_n: int = MIN_RECENT_N) -> GateResult:
    """Check that `judge_ref` (`NAME[@V]`) is calibrated on `dataset` above the floors.

    Args:
        store: the store.
        judge_ref: the judge version gated (`NAME` is its accepted, else latest, version).
        dataset: the labeled dataset it must agree with.
        min_agreement: floor on the lower 95% bound of agreement (0-1).
        min_kappa: floor on the lower 95% bound of Cohen's κ (-1-1).
        calibrate: run the version on the dataset now and record the figures first.
        criterion: the labels' criterion for a fresh run (default: the judge's or the only one).
        allow_errors: pass even when some calibration verdicts were errors.
        provider: a provider object for the fresh run instead of the version's model string.
        concurrency: most model calls in flight during the fresh run.
        recent_days: also require the floors on the version's online items scored in the
            last N days and labeled in the queue.
        min_recent_n: the fewest compared pairs that window must hold.

    Raises:
        ConfigError: no floor given, a floor outside its range, or a window below 1.
        NotFoundError: no such judge or dataset.
    """
    _check_floors(min_agreement, min_kappa)
    if min_recent_n < 1:
        raise ConfigError(f"--min-recent-n {min_recent_n}: give at least 1")
    with store.session() as session:
        info = resolve(session, judge_ref)
        get_dataset(session, dataset)
    current = spec_hash(info.spec)
    result = GateResult(judge=info.ref, spec_hash=current, dataset=dataset, passed=False)
    record = (from_fresh_run(store, info.ref, dataset, criterion=criterion, provider=provider,
                             concurrency=concurrency)
              if calibrate else _matching_record(store, info, dataset, current))
    result.calibration = record
    if record is None:
        result.conditions.append(_not_calibrated(store, info, dataset))
        return result
    result.conditions += [
        Condition("calibrated", True, f"calibrated as {record.judge}@{record.version} on "
                  f"{record.created_at:%Y-%m-%d %H:%M} UTC ({record.source.get('note', '')})"),
        _dataset_condition(store, record),
        _errors_condition(record, allow_errors),
    ]
    if min_agreement is not None:
        result.conditions.append(_floor(record, "agreement", min_agreement, "Wilson"))
    if min_kappa is not None:
        result.conditions.append(_floor(record, "kappa", min_kappa, "bootstrap"))
    if recent_days is not None:
        result.conditions += _recent(store, info.ref, recent_days, min_recent_n, criterion,
                                     {"agreement": min_agreement, "kappa": min_kappa})
    result.passed = all(c.passed for c in result.conditions)
    return result


def _recent(store: Store, ref: str, days: int, min_n: int, criterion: str | None,
            floors: dict[str, float | None]) -> list[Condition]:
    window = recent_window(store, ref, days, criterion=criterion)
    n = int(window.report.get("comparisons") or 0)
    where = (f"{ref}'s items scored online since {window.since:%Y-%m-%d %H:%M} UTC "
             f"(last {days} days) and labeled in the queue of {window.dataset!r}")
    if n < min_n:
        return [Condition("recent_n", False, f"{n} compared pairs on {where}: need at least "
                          f"{min_n}; label more there (or route more with "
                          "`evalign serve --online-sample-pass`)")]
    conditions = [Condition("recent_n", True, f"{n} compared pairs on {where}")]
    for name, floor in floors.items():
        if floor is not None:
            method = "Wilson" if name == "agreement" else "bootstrap"
            found = _floor_of(window.report, name, floor, method)
            conditions.append(Condition(f"recent_{name}", found.passed,
                                        f"last {days} days: {found.message}"))
    return conditions


def _check_floors(min_agreement: float | None, min_kappa: float | None) -> None:
    if min_agreement is None and min_kappa is None:
        raise ConfigError("give a floor: --min-agreement X (0-1) or --min-kappa K (-1-1)")
    if min_agreement is not None and not 0 <= min_agreement <= 1:
        raise ConfigError(f"--min-agreement {min_agreement} is not a proportion between 0 and 1")
    if min_kappa is not None and not -1 <= min_kappa <= 1:
        raise ConfigError(f"--min-kappa {min_kappa} is not between -1 and 1")


def _matching_record(store: Store, info: JudgeVersionInfo, dataset: str,
                     current: str) -> CalibrationRecord | None:
    with store.session() as session:
        for record in list_calibrations(session, info.judge):
            if record.dataset == dataset and record.spec_hash == current:
                return record
    return from_alignment(store, info.ref, dataset)


def _not_calibrated(store: Store, info: JudgeVersionInfo, dataset: str) -> Condition:
    again = (f"calibrate it: `evalign gate {info.judge}@{info.version} --dataset {dataset} "
             "--calibrate` (a fresh run on the labeled set)")
    with store.session() as session:
        previous = latest_calibration(session, info.judge, dataset)
    if previous is None:
        return Condition("calibrated", False,
                         f"{info.ref} has never been calibrated on {dataset!r}: {again}")
    parts = changed_parts(previous.spec, spec_content(info.spec))
    return Condition("calibrated", False,
                     f"{info.ref} changed since it was calibrated as "
                     f"{previous.judge}@{previous.version} on {previous.created_at:%Y-%m-%d} "
                     f"(changed: {', '.join(parts) or 'content'}; hash {previous.spec_hash[:12]}"
                     f" → {spec_hash(info.spec)[:12]}): {again}")


def _dataset_condition(store: Store, record: CalibrationRecord) -> Condition:
    with store.session() as session:
        target = get_dataset(session, record.dataset)
        crit = get_criterion(session, record.criterion) or pick_criterion(
            session, target.id, None, None)
        now = dataset_fingerprint(session, target.id, crit.id)
    if now == record.dataset_fingerprint:
        return Condition("dataset_unchanged", True,
                         f"{record.dataset!r} is as calibrated (version {now[:12]})")
    return Condition("dataset_unchanged", False,
                     f"the items or labels of {record.dataset!r} changed since calibration "
                     f"(version {record.dataset_fingerprint[:12]} → {now[:12]}): recalibrate "
                     "with --calibrate")


def _errors_condition(record: CalibrationRecord, allow_errors: bool) -> Condition:
    errors = int(record.figures.get("errors") or 0)
    if errors == 0:
        return Condition("no_errors", True, "no verdict of the calibration was an error")
    return Condition("no_errors", allow_errors,
                     f"{errors} verdicts of the calibration were errors: the figures cover only "
                     "the others" + ("" if allow_errors else
                                     "; fix the judge, or pass --allow-errors"))


def _floor(record: CalibrationRecord, name: str, floor: float, method: str) -> Condition:
    return _floor_of(record.figures, name, floor, method)


def _floor_of(figures: dict[str, Any], name: str, floor: float, method: str) -> Condition:
    value, ci, n = figures.get(name), figures.get(f"{name}_ci"), figures.get("comparisons")
    label = f"min_{name}"
    if value is None or not ci:
        return Condition(label, False, f"{name} has no 95% interval on {n or 0} comparisons: "
                         "label more items (both pass and fail) and recalibrate")
    low, high = float(ci[0]), float(ci[1])
    shown = f"{name} {value:.3f} (95% {method} CI {low:.3f}-{high:.3f}, n={n})"
    if low >= floor:
        return Condition(label, True, f"{shown}: lower bound ≥ {floor}")
    return Condition(label, False, f"{shown}: lower bound {low:.3f} is below the floor {floor}")
