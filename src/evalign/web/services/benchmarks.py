"""Starting benchmark runs from the web: rerun, the New benchmark dialog, cancel, compare.

The New benchmark dialog has the benchmarking seed's four sources:

- `upload`: a labeled file is imported as a new dataset (see `uploads`), then judged;
- `queue`: a dataset whose annotation queue holds human labels is judged;
- `run_outputs`: a run's items and outputs are copied into a new, unlabeled dataset whose queue
  annotators fill; the benchmark run waits (pending) until every item has a label;
- `generate`: a model with a system prompt writes fresh outputs for a dataset's items into a new
  dataset (`evalign.runner.generate.generate_outputs`), routed to its queue as above.

Runs created here are `pending`; the server's worker executes them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from evalign.comparisons import RunComparisons, load_comparisons, resolve_criterion
from evalign.data.records import DEFAULT_CRITERION, Row
from evalign.errors import ConfigError, CriterionChoiceError
from evalign.items import Item
from evalign.runner.generate import generate_outputs
from evalign.runner.run import cancel_run, create_run
from evalign.stats import paired_report
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_comparisons import RunRecord, run_record
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_items import get_dataset
from evalign.store.repo_judges import get_judge
from evalign.store.repo_runs import get_run
from evalign.store.repo_writes import write_dataset

AWAITING = "awaiting_labels"
"""Run counter set on a benchmark that waits for its queue to be labeled."""

Source = Literal["queue", "run_outputs", "generate", "upload"]


class NewBenchmark(BaseModel):
    """The New benchmark dialog."""

    source: Source = "queue"
    judge: str
    dataset: str = ""
    run_id: int | None = None
    new_dataset: str = ""
    model: str | None = None
    generate_model: str = ""
    system_prompt: str = ""


def rerun(store: Store, run_id: int) -> int:
    """A new run of the judge's current version on the same items; the old run stays."""
    with store.session() as s:
        run = get_run(s, run_id)
        judge, dataset = run.judge_version.judge.name, run.dataset.name
    new_id = create_run(store, judge, dataset)
    with store.session() as s:
        s.execute(update(m.Run).where(m.Run.id == new_id).values(parent_run_id=run_id))
    return new_id


def new_benchmark(store: Store, form: NewBenchmark) -> int:
    """Create the benchmark run the dialog describes; returns its id."""
    model = form.model or None
    if form.source in ("run_outputs", "generate"):
        target = form.new_dataset.strip()
        if not target:
            raise ConfigError("name the new dataset whose annotation queue reviewers will fill")
        if form.source == "run_outputs":
            if form.run_id is None:
                raise ConfigError("choose the run whose outputs to review")
            copy_run_items(store, form.run_id, target)
        else:
            _generate(store, form, target)
        run_id = create_run(store, form.judge, target, model=model)
        with store.session() as s:
            s.execute(update(m.Run).where(m.Run.id == run_id).values(counters={AWAITING: True}))
        return run_id
    if not form.dataset:
        raise ConfigError("choose a dataset with human labels (or upload a file first)")
    return create_run(store, form.judge, form.dataset, model=model)


def copy_run_items(store: Store, run_id: int, new_dataset: str) -> None:
    """Copy a run's items (inputs and outputs, no labels) into a new dataset for review."""
    with store.session() as s:
        run = get_run(s, run_id)
        items = s.scalars(select(m.Item).where(m.Item.dataset_id == run.dataset_id)
                          .order_by(m.Item.position)).all()
        rows = (Row(item=Item(inputs=i.inputs, output=i.output, output_2=i.output_2,
                              metadata={**(i.meta or {}), "from_run": run_id},
                              external_id=i.external_id)) for i in items)
        try:  # the run's criterion by the one rule; ambiguous: the queue names none
            criterion = resolve_criterion(s, run.dataset_id, None,
                                          run_record(s, run_id).judge_criterion)
        except CriterionChoiceError:
            criterion = None
        write_dataset(s, new_dataset, rows, Criteria(s), kind=run.dataset.kind,
                      source={"from_run": run_id,
                              "criteria": [criterion.name] if criterion else []})


def _generate(store: Store, form: NewBenchmark, target: str) -> None:
    """Fresh outputs from a model for the dataset's items, into a new dataset to label."""
    if not form.dataset or not form.generate_model.strip():
        raise ConfigError("choose the dataset of test cases and the model that writes outputs")
    generate_outputs(store, form.dataset, model=form.generate_model.strip(), into=target,
                     system_prompt=form.system_prompt or None)
    with store.session() as s:
        judge = get_judge(s, form.judge)
        criterion = s.get(m.Criterion, judge.criterion_id) if judge.criterion_id else None
        dataset = get_dataset(s, target)
        dataset.source = {**dataset.source, "criteria": [
            criterion.name if criterion else DEFAULT_CRITERION]}


def awaiting_labels(s: Session, run: m.Run) -> bool:
    """Whether a run still waits for its dataset's items to be labeled."""
    if not (run.counters or {}).get(AWAITING):
        return False
    total = s.scalar(select(func.count()).where(m.Item.dataset_id == run.dataset_id)) or 0
    labeled = s.scalar(select(func.count(func.distinct(m.Label.item_id)))
                       .join(m.Item, m.Item.id == m.Label.item_id)
                       .where(m.Item.dataset_id == run.dataset_id)) or 0
    return labeled < total


def cancel(store: Store, run_id: int) -> dict[str, Any]:
    """Cancel a run (idempotent)."""
    status, changed = cancel_run(store, run_id)
    return {"run": run_id, "status": status, "cancelled": changed}


class CompareRow(BaseModel):
    """One item under two runs."""

    item_id: int
    human: Any
    a: Any
    b: Any
    a_aligned: bool | None
    b_aligned: bool | None


class RunComparison(BaseModel):
    """Two runs side by side on the same items."""

    a: int
    b: int
    a_label: str
    b_label: str
    a_aligned: float | None
    b_aligned: float | None
    paired: dict[str, Any]
    rows: list[CompareRow]


def compare_runs(store: Store, a: int, b: int, only_changed: bool = True) -> RunComparison:
    """Runs `a` and `b` side by side, with the paired difference in agreement (b − a); both
    read on `a`'s criterion, one comparison per label (the read model's default policy)."""
    first = load_comparisons(store, a)
    second = load_comparisons(store, b, criterion=first.criterion)
    by_b = {i.key.id: i for i in second.items}
    rows = []
    for item in first.items:
        other = by_b.get(item.key.id)
        rows.append(CompareRow(
            item_id=item.key.id, human=item.sides[0].value if len(item.sides) == 1 else None,
            a=item.verdict.value if item.verdict else None,
            b=other.verdict.value if other and other.verdict else None,
            a_aligned=item.aligned, b_aligned=other.aligned if other else None))
    if only_changed:
        rows = [r for r in rows if r.a_aligned != r.b_aligned or r.a != r.b]
    paired = paired_report(first.comparisons, second.comparisons)
    return RunComparison(
        a=a, b=b, a_label=_name(first.run), b_label=_name(second.run),
        a_aligned=_rate(first), b_aligned=_rate(second),
        paired=paired, rows=rows)


def _name(run: RunRecord) -> str:
    return f"#{run.id} · {run.judge} v{run.version}"


def _rate(loaded: RunComparisons) -> float | None:
    compared = [p for i in loaded.items for p in i.compared]
    return sum(bool(p.aligned()) for p in compared) / len(compared) if compared else None


