"""An alignment run's settings (what `evalign align` parses), stored with the run."""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from evalign.align.checks import check_edit
from evalign.align.split import DEFAULT_RATIOS
from evalign.align.strategies.registry import STRATEGIES, parse_strategies
from evalign.errors import ConflictError, SettingError
from evalign.store.repo_comparisons import RunRecord, run_record
from evalign.store.repo_datasets import get_dataset
from evalign.store.repo_judges import JudgeVersionInfo
from evalign.store.session import Session

LOCAL_DEFAULT = "local/qwen2.5-coder-1.5b"


def default_model() -> str:
    """The configured default model (`EVALIGN_MODEL`), else the embedded local one."""
    return os.environ.get("EVALIGN_MODEL") or LOCAL_DEFAULT


START_CHECKS = ("questions", "question_template")
"""The parts of a checks file an alignment run starts from (`AlignConfig.checks`)."""


class AlignConfig(BaseModel):
    """Settings of one alignment run.

    Attributes:
        dataset: the labeled dataset to learn from (or use `from_runs`).
        from_runs: completed runs of the judge whose items carry labels.
        criterion: the criterion compared (default: the judge's, else the dataset's only one).
        reflection_model: the model that distills guidelines (default: `default_model()`).
        judge_model: the model the candidate judge uses (default: the judge's own).
        verify_model: the model that scores the test split (default: the judge model).
        delta: on ordered scales, the least 0–100 gap that counts as a disagreement.
        ratios: train / validation / test shares.
        folds: K-fold cross-validation instead of one split.
        group_by: a field whose equal values stay in one part.
        strategies: optimizers to try, in the fixed order of `STRATEGIES`.
        budget_calls: stop after this many model calls.
        budget_usd: stop after this many dollars.
        max_error_rate: end the run as an error once more than this share of the judge's
            verdicts are failed calls (after retries): its figures would rest only on the
            items that answered.
        seed: seeds the split, sampling and draws.
        sample: use at most about this many items (drawn by whole groups).
        rounds: reflection rounds of the guidelines strategy.
        glossary: the user's term → expansion mapping for rubrics (`--glossary FILE`).
        rubric_split: how `decompose` splits a per-item rubric: `model` (the judge's model,
            rules as fallback), `rules`, or `auto` (both tried; cross-validation keeps one).
        checks: fixed checks for `decompose` (`--checks FILE`, the file `accept --checks`
            reads): `questions` asked of every item, in place of a rubric split or a checklist
            written by the reflection model, and/or a `question_template`. The aggregation,
            content-free reading and calibration are still learned and tested, so edited checks
            get honest figures.
        executor: where the judge's scoring calls run: `asyncio` (this process) or `ray`
            (workers on a Ray cluster, `evalign.runner.ray_scoring`); the same verdicts either way.
        ray_address: the Ray cluster for `ray` (default: `RAY_ADDRESS`, else a local Ray).
    """

    model_config = ConfigDict(frozen=True)

    def __init__(self, **data: Any) -> None:
        """Build from options; a value out of range is a `SettingError` naming the setting."""
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise SettingError(*(_readable(e) for e in exc.errors())) from None

    dataset: str | None = None
    from_runs: tuple[int, ...] = ()
    criterion: str | None = None
    reflection_model: str | None = None
    judge_model: str | None = None
    verify_model: str | None = None
    delta: float = Field(default=0.0, ge=0, le=100)
    ratios: tuple[float, float, float] = DEFAULT_RATIOS
    folds: int | None = Field(default=None, ge=3)
    group_by: str | None = None
    strategies: tuple[str, ...] = STRATEGIES
    budget_calls: int | None = Field(default=None, ge=1)
    budget_usd: float | None = Field(default=None, gt=0)
    max_error_rate: float = Field(default=0.05, ge=0, le=1)
    seed: int = 0
    sample: int | None = Field(default=None, ge=4)
    rounds: int = Field(default=3, ge=1, le=20)
    glossary: dict[str, str] = Field(default_factory=dict)
    rubric_split: Literal["auto", "model", "rules"] = "auto"
    checks: dict[str, Any] = Field(default_factory=dict)
    executor: Literal["asyncio", "ray"] = "asyncio"
    ray_address: str | None = None

    @field_validator("strategies", mode="before")
    @classmethod
    def _known_strategies(cls, value: object) -> tuple[str, ...]:
        """Registered names only, in registry order (`SettingError` lists the names)."""
        if isinstance(value, str) or (isinstance(value, (list, tuple))
                                      and all(isinstance(v, str) for v in value)):
            return parse_strategies(value)
        raise SettingError(("strategies", "give strategy names, e.g. guidelines,threshold"))

    @field_validator("checks", mode="before")
    @classmethod
    def _fixed_checks(cls, value: object) -> dict[str, Any]:
        """Questions and a question template only: the rest is learned, or has its own option."""
        if not value:
            return {}
        edit = check_edit(value, "checks")
        other = sorted(set(edit) - set(START_CHECKS))
        if other:
            raise SettingError(("checks", f"{', '.join(other)} cannot start a run (an aggregation "
                                "is learned; give a glossary with {glossary} and a split with "
                                f"{{rubric_split}}); give {' and/or '.join(START_CHECKS)}"))
        return edit

    @model_validator(mode="after")
    def _checks_need_decompose(self) -> AlignConfig:
        """Fixed checks are asked only by `decompose`: without it they would be ignored."""
        if self.checks and "decompose" not in self.strategies:
            raise SettingError(("checks", "asked only by the decompose strategy; add decompose "
                                f"to {{strategies}} (now {', '.join(self.strategies)})"))
        return self

    def validate_sources(self, session: Session, judge: JudgeVersionInfo | None = None) -> None:
        """Check that exactly one source kind is given, that it exists, and that each source run
        is a run of `judge` (the version being aligned), whose verdicts stand in for its own.

        Raises:
            SettingError: neither or both of dataset / from_runs.
            NotFoundError: a dataset or run does not exist.
            ConflictError: a source run is not completed, or is a run of another judge or of
                another version of `judge` (the message says what to give instead).
        """
        if bool(self.dataset) == bool(self.from_runs):
            raise SettingError(("dataset", "give either {dataset} NAME or {from_runs} RUN "
                                "(one or more)"))
        if self.dataset:
            get_dataset(session, self.dataset)
        for run_id in self.from_runs:
            run = run_record(session, run_id)  # raises NotFoundError naming the run
            if run.status != "completed":
                raise ConflictError(f"run {run_id} is {run.status}: align from completed runs")
            if judge is not None:
                _check_source_judge(run, judge)

    def dump(self) -> dict[str, Any]:
        """JSON-ready settings."""
        return self.model_dump(mode="json")

    def sources(self) -> dict[str, Any]:
        """The sources, as the history shows them."""
        return {"datasets": [self.dataset] if self.dataset else [], "runs": list(self.from_runs)}


def _check_source_judge(run: RunRecord, judge: JudgeVersionInfo) -> None:
    """Refuse a source run made by another judge or version: its verdicts are not the aligned
    version's, so they could not be reused as the docs promise (its items are its dataset's,
    which `--dataset` takes)."""
    if run.judge_version_id == judge.id:
        return
    made_by = f"{run.judge}@{run.version}"
    afresh = (f"to align {judge.ref} on its items, give --dataset {run.dataset} instead "
              f"({judge.ref} judges them afresh)")
    if run.judge != judge.judge:
        raise ConflictError(f"run {run.id} is a run of {made_by}, not of {judge.judge}: its "
                            f"verdicts cannot stand in for {judge.ref}'s; {afresh}")
    raise ConflictError(f"run {run.id} is a run of {made_by}, but {judge.ref} is being aligned: "
                        f"its verdicts are {made_by}'s; align {made_by} --from-run {run.id} to "
                        f"reuse them, or {afresh}")


def _readable(error: ErrorDetails) -> tuple[str, str]:
    """('sample', 'must be greater than or equal to 4, not 2') from one pydantic error."""
    where = str(error["loc"][0]) if error["loc"] else "settings"
    inner = "".join(f"[{part!r}]" for part in error["loc"][1:])
    message = str(error["msg"]).removeprefix("Input should be ").removeprefix("Value error, ")
    text = f"{inner} must be {message}, not {error.get('input')!r}".lstrip()
    return where, text.replace("{", "{{").replace("}", "}}")  # no setting names in the text
