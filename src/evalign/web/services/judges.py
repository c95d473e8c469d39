"""Judges: list (built-in and custom), versions with their prompts, fork, export, online scoring."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from evalign import modelfiles
from evalign.calibration import OnlineSampling, calibration_history, online_trend, route_scored
from evalign.calibration.trend import Period
from evalign.errors import ConfigError
from evalign.judges.serialize import spec_to_dict
from evalign.runner.judge import Judge, to_item
from evalign.scores import ScoreConfig
from evalign.stats.comparison import verdict_pass
from evalign.store import Store, repo_judges
from evalign.store.repo_online import online_dataset
from evalign.web.services.overview import JudgeSummary, RunSummary, list_judges, list_runs


class VersionView(BaseModel):
    """One immutable judge version."""

    version: int
    current: bool
    content: dict[str, Any]
    provenance: dict[str, Any]
    created_at: datetime | None


class OnlineTrend(BaseModel):
    """Agreement on the judge's items routed from online scoring and labeled in the queue."""

    dataset: str
    period: str
    points: list[dict[str, Any]]  # TrendPoint.to_dict(), by version then period


class JudgeDetail(BaseModel):
    """A judge with every version and its runs."""

    judge: JudgeSummary
    forked_from: str | None
    versions: list[VersionView]
    runs: list[RunSummary]
    calibrations: list[dict[str, Any]] = Field(default_factory=list)  # newest first (the gate's)
    online: OnlineTrend | None = None


def online_view(store: Store, name: str, period: Period = "week") -> OnlineTrend:
    """The judge's online agreement trend (per version, per `day` or `week`).

    Raises:
        ConfigError: an unknown period.
        CriterionChoiceError: the online items carry labels on several criteria.
    """
    return OnlineTrend(dataset=online_dataset(name), period=period,
                       points=[p.to_dict() for p in online_trend(store, name, period=period)])


def judges_list(store: Store) -> list[JudgeSummary]:
    """Every judge, custom first; the built-in judges are seeded on first look."""
    return list_judges(store)


def judge_detail(store: Store, name: str) -> JudgeDetail:
    """One judge, newest version first.

    Raises:
        NotFoundError: no such judge.
    """
    with store.session() as s:
        info = next((j for j in repo_judges.list_judges(s) if j.name == name), None)
        versions = repo_judges.list_versions(s, name)  # raises NotFoundError first
        assert info is not None
    runs = [r for r in list_runs(store, limit=500) if r.judge == name]
    return JudgeDetail(
        judge=JudgeSummary(name=info.name, description=info.description, builtin=info.builtin,
                           current_version=info.current_version or info.latest_version,
                           versions=info.versions, criterion=info.criterion),
        forked_from=info.forked_from,
        versions=[VersionView(version=v.version, current=v.current,
                              content=spec_to_dict(v.spec), provenance=v.provenance,
                              created_at=v.created_at) for v in reversed(versions)],
        runs=runs, calibrations=calibration_history(store, name),
        online=online_view(store, name))


def fork_judge(store: Store, source: str, new_name: str) -> str:
    """Fork `NAME[@V]` into a new custom judge; returns the new name."""
    with store.session() as s:
        return repo_judges.fork(s, source, new_name.strip()).judge


def export_judge(store: Store, ref: str) -> dict[str, Any]:
    """`NAME[@V]` as the dict `evalign judge import` reads back."""
    with store.session() as s:
        return repo_judges.export_dict(s, ref)


CHOSEN_BY_THE_JUDGE = frozenset({"model", "params", "parameters", "temperature", "max_tokens",
                                  "version", "prompt", "judge"})
"""Request fields refused by online scoring: the judge's accepted version decides them."""


class ScoreRequest(BaseModel):
    """Items to score online: one `item` or a batch of `items`.

    Each item is a dict of fields; `output` (or `response`) is the output to judge. The model,
    its parameters and the prompt are the judge's own: a request naming any of them is refused.
    """

    model_config = ConfigDict(extra="forbid")

    item: dict[str, Any] | None = None
    items: list[dict[str, Any]] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _refuse_choices(cls, data: Any) -> Any:
        """Name the refused field plainly (raised past validation: the app answers 400)."""
        chosen = sorted(CHOSEN_BY_THE_JUDGE & set(data)) if isinstance(data, dict) else []
        if chosen:
            raise ConfigError(
                f"online scoring uses the judge's accepted version with its own model and "
                f"parameters: drop {', '.join(map(repr, chosen))} from the request (to score "
                "with another model, fork the judge, change its model and accept that version)")
        return data


class ScoreResult(BaseModel):
    """One verdict of online scoring."""

    value: Any
    passed: bool | None
    p_pass: float | None = None
    reasoning: str = ""
    error: str | None = None
    checks: list[dict[str, Any]] = []
    routed: bool = False
    """Whether the item went to the annotation queue (the operator's sampling decides)."""


class ScoreResponse(BaseModel):
    """Online scoring's answer: the version used and one result per item."""

    judge: str
    version: int
    results: list[ScoreResult]


def score_online(store: Store, name: str, request: ScoreRequest, *, max_batch: int,
                 model_paths: Sequence[Path] = (),
                 sampling: OnlineSampling | None = None) -> ScoreResponse:
    """Score items with the judge's accepted version and that version's own model.

    Args:
        store: the store holding the judge.
        name: the judge's name (a version cannot be chosen: `NAME@V` is refused).
        request: the items.
        max_batch: the most items one request may carry.
        model_paths: places besides the model cache a `local/` model may be read from.
        sampling: the server's routing of scored items to the annotation queue (every FAIL,
            a share of PASSes); None routes nothing.

    Raises:
        ConfigError: `NAME@V`, no item, too many items, or a `local/` model outside the
            allowed places.
        NotFoundError: no such judge.
    """
    if "@" in name:
        raise ConfigError(f"online scoring always uses the judge's accepted version: "
                          f"use {name.split('@', 1)[0]!r}, not {name!r}")
    batch = ([request.item] if request.item is not None else []) + request.items
    if not batch:
        raise ConfigError("send one item as 'item' or a batch as 'items'")
    if len(batch) > max_batch:
        raise ConfigError(f"{len(batch)} items in one request: send at most {max_batch} "
                          "(split the batch)")
    with store.session() as s:
        info = repo_judges.resolve(s, name)
    model = info.spec.model or ""
    if model.startswith("local/"):
        modelfiles.check_allowed(model.removeprefix("local/"), model_paths)
    with Judge(spec=info.spec, cache_store=store) as judge:
        verdicts = judge.score_many(batch).verdicts  # the library reads each dict as an item
    scale = info.spec.scale
    passed = [_passed(scale, v.value, v.p_pass, info.spec.threshold) for v in verdicts]
    routed = (route_scored(store, info.ref, [to_item(i) for i in batch], verdicts, passed,
                           sampling) if sampling is not None else [False] * len(verdicts))
    return ScoreResponse(judge=info.judge, version=info.version, results=[
        ScoreResult(value=v.value, passed=ok, p_pass=v.p_pass, reasoning=v.reasoning,
                    error=v.error, routed=sent,
                    checks=[{"question": c.question, "passed": c.passed, "p_yes": c.p_yes,
                             "p_null": c.p_null} for c in v.checks])
        for v, ok, sent in zip(verdicts, passed, routed, strict=True)])


def _passed(scale: ScoreConfig, value: Any, p_pass: float | None,
            threshold: float | None) -> bool | None:
    return None if value is None else verdict_pass(scale, value, p_pass, threshold)
