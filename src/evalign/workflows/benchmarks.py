"""Starting benchmark runs: rerun, the four sources of a new benchmark, copying a run's items.

A new benchmark has one of four sources (the benchmarking seed's):

- `upload`: a labeled file was imported as a dataset, which is then judged;
- `queue`: a dataset whose annotation queue holds human labels is judged;
- `run_outputs`: a run's items and outputs are copied into a new, unlabeled dataset whose queue
  annotators fill; the benchmark run waits (pending) until every item has a label;
- `generate`: a model with a system prompt writes fresh outputs for a dataset's items into a new
  dataset (`evalign.runner.generate.generate_outputs`), routed to its queue as above.

Runs created here are `pending`; a worker (`evalign.workflows.jobs`) executes them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from evalign.comparisons import resolve_criterion
from evalign.comparisons.aligned import run_judge_criterion
from evalign.data.records import DEFAULT_CRITERION, Row
from evalign.errors import ConfigError, CriterionChoiceError
from evalign.items import Item
from evalign.runner.generate import generate_outputs
from evalign.runner.run import create_run
from evalign.store import Store
from evalign.store.repo_benchmarks import (
    dataset_kind,
    mark_awaiting_labels,
    set_dataset_criteria,
    set_parent_run,
)
from evalign.store.repo_comparisons import run_record
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_items import iter_items
from evalign.store.repo_judges import resolve
from evalign.store.repo_writes import write_dataset
from evalign.workflows.held_out import create_held_out_run

Source = Literal["queue", "run_outputs", "generate", "upload"]


class NewBenchmark(BaseModel):
    """What a new benchmark judges, and with what.

    Attributes:
        source: where the labeled items come from (see the module docstring).
        judge: the judge (`NAME[@V]`).
        dataset: the labeled dataset (`queue`, `upload`), or the test cases (`generate`).
        run_id: the run whose outputs to review (`run_outputs`).
        new_dataset: the dataset to create for review (`run_outputs`, `generate`).
        model: the model the judge uses (default: its own).
        generate_model, system_prompt: what writes the fresh outputs (`generate`).
    """

    source: Source = "queue"
    judge: str
    dataset: str = ""
    run_id: int | None = None
    new_dataset: str = ""
    model: str | None = None
    generate_model: str = ""
    system_prompt: str = ""


def rerun(store: Store, run_id: int) -> int:
    """A new run of the judge's current version on the same items; the old run stays.

    A run on an alignment run's held-out items is re-run on those items again
    (`workflows.held_out`), never on the whole dataset.

    Raises:
        NotFoundError: no such run.
        ConfigError: a held-out run whose dataset was re-imported since (see `held_out`).
    """
    with store.session() as s:
        run = run_record(s, run_id)
    if run.scope is not None and run.scope.get("kind") == "held_out":
        new_id = create_held_out_run(store, run.judge, int(run.scope["alignment_run"]),
                                     dataset=run.dataset)
    else:
        new_id = create_run(store, run.judge, run.dataset)
    with store.session() as s:
        set_parent_run(s, new_id, run_id)
    return new_id


def new_benchmark(store: Store, form: NewBenchmark) -> int:
    """Create the benchmark run `form` describes; returns its id.

    Raises:
        ConfigError: a choice the source needs is missing.
        NotFoundError: the judge, dataset or run does not exist.
    """
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
            generate_for_review(store, form, target)
        run_id = create_run(store, form.judge, target, model=model)
        with store.session() as s:
            mark_awaiting_labels(s, run_id)
        return run_id
    if not form.dataset:
        raise ConfigError("choose a dataset with human labels (or upload a file first)")
    return create_run(store, form.judge, form.dataset, model=model)


def copy_run_items(store: Store, run_id: int, new_dataset: str) -> None:
    """Copy a run's items (inputs and outputs, no labels) into a new dataset for review."""
    with store.session() as s:
        run = run_record(s, run_id)
        rows = [Row(item=Item(inputs=i.inputs, output=i.output, output_2=i.output_2,
                              metadata={**i.metadata, "from_run": run_id},
                              external_id=i.external_id))
                for i in iter_items(s, run.dataset_id)]
        try:  # the run's criterion by the one rule; ambiguous: the queue names none
            criterion = resolve_criterion(s, run.dataset_id, None, run_judge_criterion(s, run),
                                          run.judge_scale)
        except CriterionChoiceError:
            criterion = None
        write_dataset(s, new_dataset, rows, Criteria(s), kind=dataset_kind(s, run.dataset_id),
                      source={"from_run": run_id,
                              "criteria": [criterion.name] if criterion else []})


def generate_for_review(store: Store, form: NewBenchmark, target: str) -> None:
    """Fresh outputs from a model for the dataset's items, into a new dataset to label."""
    if not form.dataset or not form.generate_model.strip():
        raise ConfigError("choose the dataset of test cases and the model that writes outputs")
    generate_outputs(store, form.dataset, model=form.generate_model.strip(), into=target,
                     system_prompt=form.system_prompt or None)
    with store.session() as s:
        criterion = resolve(s, form.judge).criterion
        set_dataset_criteria(s, target, [criterion or DEFAULT_CRITERION])
