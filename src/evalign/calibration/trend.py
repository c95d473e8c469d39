"""Agreement on fresh labels over time: a judge's online items, per version, per day or week.

    online_trend(store, "judge", period="week")

reads each judge version's online run (`store.repo_online`) through the read model
(`evalign.comparisons`, the same pairing every report uses) and groups the compared pairs by
when their item was scored. Each point holds n (compared pairs), how many agree, the
agreement and its 95% Wilson interval; a period without compared pairs has no point (never a
made-up figure). `recent_window` gives the figures of the last N days of one version, which
the release gate checks with `--recent-days`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from evalign.comparisons import DEFAULT_POLICY, Policy, load_comparisons
from evalign.errors import ConfigError
from evalign.stats import Comparison, agreement_report, wilson_ci
from evalign.store import Store
from evalign.store.repo_judges import resolve
from evalign.store.repo_online import OnlineRun, online_dataset, online_runs, scored_at

Period = Literal["day", "week"]
PERIODS: tuple[Period, ...] = ("day", "week")


@dataclass(frozen=True)
class TrendPoint:
    """Agreement of one judge version on the items scored in one period.

    Attributes:
        version: the judge version.
        start: the period's first day (a Monday for weeks; UTC).
        n: compared (label, verdict) pairs.
        agreed: pairs whose pass/fail agree.
        agreement: agreed / n.
        agreement_ci: its 95% Wilson interval [low, high].
    """

    version: int
    start: date
    n: int
    agreed: int
    agreement: float
    agreement_ci: list[float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the date as ISO text)."""
        return asdict(self) | {"start": self.start.isoformat()}


@dataclass(frozen=True)
class RecentWindow:
    """The figures of one judge version on the items scored in the last `days` days.

    Attributes:
        ref: `NAME@V`.
        days: the window's length; `since` its start (UTC).
        dataset: the online dataset the items are in.
        report: `stats.agreement_report` of the window's pairs (`comparisons`, `agreement`,
            `agreement_ci`, `kappa`, `kappa_ci`, ...).
    """

    ref: str
    days: int
    since: datetime
    dataset: str
    report: dict[str, Any]


def online_trend(store: Store, judge: str, *, period: Period = "day",
                 criterion: str | None = None, policy: Policy = DEFAULT_POLICY
                 ) -> list[TrendPoint]:
    """Agreement per judge version and period on the judge's labeled online items.

    Args:
        store: the store.
        judge: the judge's name.
        period: `day` or `week` (weeks start on Monday, UTC).
        criterion: the labels' criterion (default: the read model's rule).
        policy: how several annotators' labels pair with a verdict.

    Returns:
        Points ordered by version, then period; empty when nothing was routed or labeled.

    Raises:
        ConfigError: an unknown period.
        CriterionChoiceError: labels on several criteria and nothing chooses one.
    """
    if period not in PERIODS:
        raise ConfigError(f"period {period!r}: use 'day' or 'week'")
    with store.session() as session:
        runs = online_runs(session, judge)
    points = []
    for run in runs:
        buckets: dict[date, list[Comparison]] = {}
        for pair, at in _timed_pairs(store, run, criterion, policy):
            buckets.setdefault(_start(at, period), []).append(pair)
        points += [_point(run.version, start, pairs) for start, pairs in sorted(buckets.items())]
    return points


def recent_window(store: Store, judge_ref: str, days: int, *, criterion: str | None = None,
                  policy: Policy = DEFAULT_POLICY, now: datetime | None = None) -> RecentWindow:
    """The agreement report of `judge_ref` on its online items scored in the last `days` days.

    Raises:
        ConfigError: `days` below 1.
        NotFoundError: no such judge version.
    """
    if days < 1:
        raise ConfigError(f"--recent-days {days}: give a window of at least 1 day")
    with store.session() as session:
        info = resolve(session, judge_ref)
        runs = [r for r in online_runs(session, info.judge) if r.version == info.version]
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    pairs = [pair for run in runs for pair, at in _timed_pairs(store, run, criterion, policy)
             if at >= since]
    return RecentWindow(ref=info.ref, days=days, since=since,
                        dataset=online_dataset(info.judge), report=agreement_report(pairs))


def _timed_pairs(store: Store, run: OnlineRun, criterion: str | None, policy: Policy
                 ) -> list[tuple[Comparison, datetime]]:
    """The run's compared pairs, each with when its item was scored."""
    found = load_comparisons(store, run.run_id, criterion=criterion, policy=policy)
    with store.session() as session:
        times = scored_at(session, run.run_id)
    return [(pair, times[item.key.id]) for item in found.items if item.key.id in times
            for pair in item.compared]


def _start(moment: datetime, period: Period) -> date:
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday()) if period == "week" else day


def _point(version: int, start: date, pairs: list[Comparison]) -> TrendPoint:
    agreed = sum(bool(p.aligned()) for p in pairs)
    ci = wilson_ci(agreed, len(pairs))
    assert ci is not None  # a bucket exists only with at least one pair
    return TrendPoint(version=version, start=start, n=len(pairs), agreed=agreed,
                      agreement=agreed / len(pairs), agreement_ci=ci)
