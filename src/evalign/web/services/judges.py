"""Judges: list (built-in and custom), versions with their prompts, fork, export, online scoring."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from evalign.judges import Judge
from evalign.judges.serialize import spec_to_dict
from evalign.scores import ScoreConfig
from evalign.store import Store, repo_judges
from evalign.web.services.comparisons import judge_pass
from evalign.web.services.overview import JudgeSummary, RunSummary, list_judges, list_runs


class VersionView(BaseModel):
    """One immutable judge version."""

    version: int
    current: bool
    content: dict[str, Any]
    provenance: dict[str, Any]
    created_at: datetime | None


class JudgeDetail(BaseModel):
    """A judge with every version and its runs."""

    judge: JudgeSummary
    forked_from: str | None
    versions: list[VersionView]
    runs: list[RunSummary]


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
        runs=runs)


def fork_judge(store: Store, source: str, new_name: str) -> str:
    """Fork `NAME[@V]` into a new custom judge; returns the new name."""
    with store.session() as s:
        return repo_judges.fork(s, source, new_name.strip()).judge


def export_judge(store: Store, ref: str) -> dict[str, Any]:
    """`NAME[@V]` as the dict `evalign judge import` reads back."""
    with store.session() as s:
        return repo_judges.export_dict(s, ref)


class ScoreRequest(BaseModel):
    """Items to score online: one `item` or a batch of `items`.

    Each item is a dict of fields; `output` (or `response`) is the output to judge.
    """

    item: dict[str, Any] | None = None
    items: list[dict[str, Any]] = Field(default_factory=list)
    model: str | None = None


class ScoreResult(BaseModel):
    """One verdict of online scoring."""

    value: Any
    passed: bool | None
    p_pass: float | None = None
    reasoning: str = ""
    error: str | None = None
    checks: list[dict[str, Any]] = []


class ScoreResponse(BaseModel):
    """Online scoring's answer: the version used and one result per item."""

    judge: str
    version: int
    results: list[ScoreResult]


def score_online(store: Store, name: str, request: ScoreRequest) -> ScoreResponse:
    """Score items with the judge's current accepted version (for production use)."""
    batch = ([request.item] if request.item is not None else []) + request.items
    with store.session() as s:
        info = repo_judges.resolve(s, name)
    options: dict[str, Any] = {"model": request.model} if request.model else {}
    with Judge(spec=info.spec, cache_store=store, **options) as judge:
        verdicts = judge.score_many(batch).verdicts  # the library reads each dict as an item
    scale = info.spec.scale
    return ScoreResponse(judge=info.judge, version=info.version, results=[
        ScoreResult(value=v.value, passed=_passed(scale, v.value, v.p_pass, info.spec.threshold),
                    p_pass=v.p_pass, reasoning=v.reasoning, error=v.error,
                    checks=[{"question": c.question, "passed": c.passed, "p_yes": c.p_yes}
                            for c in v.checks]) for v in verdicts])


def _passed(scale: ScoreConfig, value: Any, p_pass: float | None,
            threshold: float | None) -> bool | None:
    return None if value is None else judge_pass(scale, value, p_pass, threshold)
