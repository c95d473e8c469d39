"""Pairing human labels with a run's verdicts: one comparison per item.

The human side of an item is its resolved label when there is one, else its annotators' label
when they agree, else their majority (pass/fail, or the choice for pairwise scales); a tie is
left out (it needs adjudication). The judge side is the verdict of sample 0; a verdict with
`p_pass` and a version with a threshold passes when p_pass ≥ threshold. Both sides are
normalized with `ScoreConfig` (pass/fail, 0–100); pairwise items align when the choices match.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evalign.data.records import DEFAULT_CRITERION
from evalign.scores import ScoreConfig, comparable
from evalign.store import models as m
from evalign.store.repo_criteria import scale_of

DISCREPANCY = 20.0
"""A normalized (0–100) gap at or above this is a discrepancy (benchmarking seed)."""


@dataclass
class Human:
    """The human side of one item."""

    value: Any
    passed: bool | None
    score: float | None
    annotations: list[Any] = field(default_factory=list)
    reasoning: str = ""
    key: Any = None
    """What alignment compares: pass/fail, or the choice (0/1/2) on a pairwise scale."""


@dataclass
class Comparison:
    """One item of a run: its human side, its verdict, and how they compare."""

    item_id: int
    human: Human | None
    judge_value: Any = None
    judge_pass: bool | None = None
    judge_score: float | None = None
    judge_reasoning: str = ""
    judge_error: str | None = None
    checks: list[Any] = field(default_factory=list)
    p_pass: float | None = None
    evaluated: bool = False
    judge_key: Any = None
    pairwise: bool = False

    @property
    def compared(self) -> bool:
        """Both sides have a pass/fail (or a pairwise choice)."""
        return (self.human is not None and self.human.key is not None
                and self.judge_key is not None)

    @property
    def aligned(self) -> bool | None:
        """Whether pass/fail (or the pairwise choice) agree; None when not compared."""
        if not self.compared:
            return None
        assert self.human is not None
        return bool(self.human.key == self.judge_key)

    @property
    def delta(self) -> float | None:
        """Judge score minus human score on 0–100."""
        if self.human is None or self.human.score is None or self.judge_score is None:
            return None
        return self.judge_score - self.human.score

    @property
    def discrepancy(self) -> bool:
        """A gap of 20 or more on 0–100, or pass/fail disagreement without scores."""
        if self.delta is not None:
            return abs(self.delta) >= DISCREPANCY
        return self.aligned is False


def human_sides(s: Session, dataset_id: int, criterion_id: int,
                scale: ScoreConfig) -> dict[int, Human]:
    """The human side of every labeled item of a dataset on one criterion."""
    # plain columns, not ORM objects: a page may read 10,000s of labels
    rows = s.execute(select(m.Label.item_id, m.Label.value, m.Label.reasoning, m.Label.resolved)
                     .join(m.Item, m.Item.id == m.Label.item_id)
                     .where(m.Item.dataset_id == dataset_id, m.Label.criterion_id == criterion_id)
                     .order_by(m.Label.id))
    by_item: dict[int, list[_Label]] = {}
    for item_id, value, reasoning, resolved in rows:
        by_item.setdefault(item_id, []).append(_Label(value, reasoning, resolved))
    return {item: _human(labels, scale) for item, labels in by_item.items()}


@dataclass
class _Label:
    value: Any
    reasoning: str
    resolved: bool


@dataclass
class _Verdict:
    value: Any
    p_pass: float | None
    reasoning: str
    error: str | None
    checks: list[Any]


def _human(labels: list[_Label], scale: ScoreConfig) -> Human:
    own = [r.value for r in labels if not r.resolved]
    resolved = next((r for r in labels if r.resolved), None)
    chosen = resolved or labels[0]
    reasoning = " / ".join(r.reasoning for r in ([resolved] if resolved else labels) if r.reasoning)
    if resolved is None and len({str(v) for v in own}) > 1:
        votes = Counter(key_of(scale, v) for v in own).most_common()
        if len(votes) > 1 and votes[0][1] == votes[1][1]:
            return Human(value=None, passed=None, score=None, annotations=own, reasoning=reasoning)
        chosen = next(r for r in labels if key_of(scale, r.value) == votes[0][0])
    return Human(value=chosen.value, passed=scale.to_pass(chosen.value),
                 score=_safe_100(scale, chosen.value), annotations=own, reasoning=reasoning,
                 key=key_of(scale, chosen.value))


def key_of(scale: ScoreConfig, value: Any) -> Any:
    """What alignment compares: the choice on a pairwise scale, else pass/fail."""
    if scale.kind == "pairwise":
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    return scale.to_pass(value)


def _safe_100(scale: ScoreConfig, value: Any) -> float | None:
    try:
        return scale.to_100(value)
    except (ValueError, TypeError):
        return None


def run_comparisons(s: Session, run: m.Run, criterion: m.Criterion | None,
                    humans: dict[int, Human] | None = None) -> list[Comparison]:
    """One comparison per item of the run's dataset, in item order.

    Args:
        humans: the human sides when the caller already read them (same dataset and criterion).
    """
    version = run.judge_version
    judge_scale = ScoreConfig.parse(version.scale)
    found: dict[int, Human] = {}
    if criterion is not None:
        human_scale = scale_of(criterion)
        if comparable(human_scale, judge_scale):
            found = humans if humans is not None else human_sides(
                s, run.dataset_id, criterion.id, human_scale)
    verdicts = {row[0]: _Verdict(*row[1:]) for row in s.execute(
        select(m.Verdict.item_id, m.Verdict.value, m.Verdict.p_pass, m.Verdict.reasoning,
               m.Verdict.error, m.Verdict.checks)
        .where(m.Verdict.run_id == run.id, m.Verdict.sample == 0))}
    items = s.scalars(select(m.Item.id).where(m.Item.dataset_id == run.dataset_id)
                      .order_by(m.Item.position))
    return [_compare(i, found.get(i), verdicts.get(i), judge_scale, version.threshold)
            for i in items]


def judge_pass(scale: ScoreConfig, value: Any, p_pass: float | None,
               threshold: float | None) -> bool | None:
    """Whether a verdict passes: by p_pass when the version has a threshold and the model gave
    one, else by the value on the judge's scale."""
    if threshold is not None and p_pass is not None:
        return p_pass >= threshold
    return scale.to_pass(value)


def _compare(item_id: int, human: Human | None, verdict: _Verdict | None,
             scale: ScoreConfig, threshold: float | None) -> Comparison:
    out = Comparison(item_id=item_id, human=human, pairwise=scale.kind == "pairwise")
    if verdict is None:
        return out
    out.evaluated, out.judge_error = True, verdict.error
    out.judge_reasoning, out.checks, out.p_pass = verdict.reasoning, verdict.checks, verdict.p_pass
    if verdict.error or verdict.value is None:
        return out
    out.judge_value = verdict.value
    out.judge_score = _safe_100(scale, verdict.value)
    out.judge_pass = judge_pass(scale, verdict.value, verdict.p_pass, threshold)
    out.judge_key = key_of(scale, verdict.value) if out.pairwise else out.judge_pass
    return out


def judge_criterion(s: Session, judge: m.Judge, dataset_criteria: list[m.Criterion]
                    ) -> m.Criterion | None:
    """The criterion a judge compares with: its own, else the dataset's only one, else the
    one named "default" (the criterion of labels imported without a name)."""
    if judge.criterion_id is not None:
        return s.get(m.Criterion, judge.criterion_id)
    if len(dataset_criteria) == 1:
        return dataset_criteria[0]
    return next((c for c in dataset_criteria if c.name == DEFAULT_CRITERION), None)
