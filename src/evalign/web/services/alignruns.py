"""Alignment runs from the web: the Start alignment dialog, live status, history, decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from pydantic import BaseModel

from evalign.align import (
    AlignConfig,
    AlignmentRun,
    accept_alignment,
    cancel_alignment,
    get_alignment,
    reject_alignment,
    start_alignment,
)
from evalign.align.choices import Choice, decompose_choices
from evalign.align.liveness import stall_note
from evalign.align.outcome import candidate_label
from evalign.align.strategies.registry import STRATEGIES
from evalign.errors import ConfigError, SettingError
from evalign.judges.glossary import check_glossary
from evalign.store import Store
from evalign.store.alignment_outcome import AlignmentOutcome, Phase, Sources
from evalign.store.repo_alignment_runs import alignment_run_ids
from evalign.web.services.datasets import DatasetSummary, list_datasets
from evalign.web.services.judges import judges_list
from evalign.web.services.overview import JudgeSummary, RunSummary, list_runs


class StartAlignment(BaseModel):
    """The Start alignment dialog."""

    judge: str
    dataset: str = ""
    from_runs: list[int] = []
    reflection_model: str = ""
    judge_model: str = ""
    verify_model: str = ""
    delta: float = 0.0
    split: str = "0.5,0.25,0.25"
    strategies: list[str] = []
    budget_calls: int | None = None
    budget_usd: float | None = None
    group_by: str = ""
    folds: int | None = None
    seed: int = 0
    sample: int | None = None
    rubric_split: str = "auto"
    glossary: str | dict[str, str] = ""
    """Term → expansion: a mapping, or text with one `term: expansion` per line."""
    questions: str | list[str] = ""
    """Fixed yes/no questions for `decompose`: a list, or text with one question per line."""


class AlignmentView(BaseModel):
    """One alignment run as the page shows it."""

    id: int
    judge: str
    judge_version: int
    status: str
    phase: str | None
    phases: dict[str, Phase]
    config: dict[str, Any]
    sources: Sources
    outcome: AlignmentOutcome | None
    decision: str | None
    accepted_version: str | None
    error: str | None
    created_at: datetime | None
    finished_at: datetime | None
    diff: list[tuple[str, str]]
    """The prompt diff as (kind, line): kind is add, del, hunk or same."""
    candidate_label: str = ""
    """The candidate's row label (`evalign.align.outcome.candidate_label`)."""
    stalled: str | None = None
    """Set when the run is `running` but its process stopped (`evalign.align.liveness`)."""
    choices: list[Choice] = []
    """What `decompose` chose (split, content-free reading, aggregation, pairwise mode), in
    words (`evalign.align.choices`); empty for other strategies."""


class AlignmentPage(BaseModel):
    """The alignment runs page: history newest first and the dialog's choices."""

    judge: str | None
    runs: list[AlignmentView]
    judges: list[JudgeSummary]
    datasets: list[DatasetSummary]
    completed_runs: list[RunSummary]
    strategies: list[str]


def view_of(run: AlignmentRun) -> AlignmentView:
    """A stored alignment run as the page shows it."""
    diff_text = run.outcome.prompt_diff if run.outcome else ""
    return AlignmentView(
        id=run.id, judge=run.judge, judge_version=run.judge_version, status=run.status,
        phase=run.phase, phases=run.phases, config=run.config, sources=run.sources,
        outcome=run.outcome, decision=run.decision, accepted_version=run.accepted_version,
        error=run.error, created_at=run.created_at, finished_at=run.finished_at,
        diff=[(_diff_kind(line), line) for line in diff_text.splitlines()],
        choices=decompose_choices(run.outcome.to_dict()) if run.outcome else [],
        stalled=stall_note(run),
        candidate_label=candidate_label(run.outcome.to_dict()) if run.outcome else "")


def _diff_kind(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "hunk"
    return {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")


def alignment_page(store: Store, judge: str | None = None, limit: int = 50) -> AlignmentPage:
    """Every alignment run (of `judge`, when given), newest first."""
    with store.session() as s:
        ids = alignment_run_ids(s, judge=judge or None, limit=limit)
    return AlignmentPage(
        judge=judge, runs=[view_of(get_alignment(store, i)) for i in ids],
        judges=judges_list(store), datasets=list_datasets(store),
        completed_runs=[r for r in list_runs(store, limit=200) if r.status == "completed"],
        strategies=list(STRATEGIES))


def alignment_view(store: Store, run_id: int) -> AlignmentView:
    """One alignment run."""
    return view_of(get_alignment(store, run_id))


def start(store: Store, form: StartAlignment) -> int:
    """Create a pending alignment run from the dialog; the worker executes it."""
    try:
        ratios = tuple(float(x) for x in form.split.split(","))
    except ValueError:
        raise ConfigError(
            f"bad split {form.split!r}: write three shares like 0.5,0.25,0.25") from None
    if len(ratios) != 3:
        raise ConfigError(f"bad split {form.split!r}: give train,validation,test shares")
    try:  # the library names its settings; shown here as the fields of `StartAlignment`
        config = AlignConfig(
            dataset=form.dataset or None, from_runs=tuple(form.from_runs),
            reflection_model=form.reflection_model or None,
            judge_model=form.judge_model or None, verify_model=form.verify_model or None,
            delta=form.delta, ratios=(ratios[0], ratios[1], ratios[2]),
            strategies=tuple(form.strategies) or STRATEGIES, budget_calls=form.budget_calls,
            budget_usd=form.budget_usd, group_by=form.group_by or None, folds=form.folds,
            seed=form.seed, sample=form.sample, rubric_split=_rubric_split(form.rubric_split),
            glossary=_glossary(form.glossary), checks=_questions(form.questions))
        return start_alignment(store, form.judge, config)
    except SettingError as exc:
        raise ConfigError(exc.render(FIELDS)) from None


FIELDS = {"ratios": "split", "checks": "questions"}
"""`AlignConfig` settings whose `StartAlignment` field has another name."""


def _rubric_split(value: str) -> Literal["auto", "model", "rules"]:
    if value not in ("auto", "model", "rules"):
        raise ConfigError(f"rubric split is auto, model or rules, not {value!r}")
    return cast(Literal["auto", "model", "rules"], value)


def _glossary(value: str | dict[str, str]) -> dict[str, str]:
    """A glossary from the dialog's lines (`term: expansion`), or as the API gave it."""
    if isinstance(value, dict):
        return check_glossary(value)
    terms: dict[str, str] = {}
    for number, line in enumerate(value.splitlines(), start=1):
        if not line.strip():
            continue
        term, colon, expansion = line.partition(":")
        if not colon or not term.strip() or not expansion.strip():
            raise ConfigError(f"glossary line {number}: write one term per line as "
                              f"'term: expansion', not {line.strip()!r}")
        if term.strip() in terms:
            raise ConfigError(f"glossary line {number}: {term.strip()!r} is already given; "
                              "give each term once")
        terms[term.strip()] = expansion.strip()
    return check_glossary(terms)


def _questions(value: str | list[str]) -> dict[str, Any]:
    """The fixed questions (`AlignConfig.checks`): the dialog's lines (blank ones skipped, a
    leading "- " dropped), or the API's list as given (a blank entry is refused there)."""
    # A form field arrives as a one-element list when the type allows a list.
    if isinstance(value, list) and len(value) != 1:
        return {"questions": value} if value else {}
    text = value if isinstance(value, str) else value[0]
    questions = [q.strip().removeprefix("- ").strip() for q in text.splitlines() if q.strip()]
    return {"questions": questions} if questions else {}


def cancel(store: Store, run_id: int) -> AlignmentView:
    """Cancel (idempotent)."""
    return view_of(cancel_alignment(store, run_id))


def accept(store: Store, run_id: int) -> AlignmentView:
    """Make the candidate the judge's next version (forking a built-in judge).

    The page shows the recommendation beside the button, so a click is the deliberate
    choice the CLI asks for with `--force`.
    """
    return view_of(accept_alignment(store, run_id, force=True))


def reject(store: Store, run_id: int) -> AlignmentView:
    """Keep the judge as it is."""
    return view_of(reject_alignment(store, run_id))
