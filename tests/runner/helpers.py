"""Test helpers: EvalsBench rows stored as a dataset with a `truth` column, and judges."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_judges import create_judge
from evalign.store.repo_writes import write_dataset

TEMPLATE = "Question: {question}\nGrading notes: {grading_notes}\nResponse: {response}"


def evalsbench_rows(shared: Path, limit: int | None = None) -> list[dict[str, str]]:
    """EvalsBench public rows (question, grading_notes, response, target)."""
    with (shared / "evalsbench" / "public.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return rows[:limit] if limit else rows


def add_evalsbench(store: Store, shared: Path, *, name: str = "eb",
                   limit: int | None = None) -> int:
    """Store EvalsBench rows as dataset `name`, with `truth` = the human label; returns rows."""
    rows = evalsbench_rows(shared, limit)
    records = [
        Row(Item(inputs={"question": r["question"], "grading_notes": r["grading_notes"],
                         "truth": r["target"]},
                 output=r["response"], external_id=f"r{i}"),
            (LabelIn("default", r["target"]),))
        for i, r in enumerate(rows)
    ]
    with store.session() as session:
        write_dataset(session, name, records, Criteria(session))
    return len(rows)


def add_judge(store: Store, name: str, model: str, *, prompt: str = TEMPLATE,
              **spec: object) -> None:
    """Create a prompt judge."""
    with store.session() as session:
        create_judge(session, name, JudgeSpec(prompt=prompt, model=model, **spec))  # type: ignore[arg-type]


def verdicts_with_labels(store: Store, run_id: int) -> list[tuple[object, object]]:
    """(verdict value, human label value) per item of a run."""
    query = (sa.select(m.Verdict.value, m.Label.value)
             .join(m.Label, m.Label.item_id == m.Verdict.item_id)
             .where(m.Verdict.run_id == run_id))
    with store.session() as session:
        return [(v, label) for v, label in session.execute(query).all()]
