"""`evalign.Dataset`: pandas in and out, store round trips, sampling."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import evalign
from evalign import Dataset
from evalign.data.importer import import_file
from evalign.errors import ConflictError, DataError
from evalign.store import Store


def test_from_pandas_maps_columns_and_checks_labels() -> None:
    df = pd.DataFrame({
        "question": ["q1", "q2", "q3"],
        "response": ["a1", "a2", "a3"],
        "humanScore": ["PASS", "fail", None],
        "humanReasoning": ["good", "", None],
    })
    ds = Dataset.from_pandas(df, "frame")
    assert len(ds) == 3 and ds.criteria == {"default": evalign.ScoreConfig.parse("pass_fail")}
    assert ds.items[0].inputs == {"question": "q1"} and ds.items[0].output == "a1"
    assert [len(r.labels) for r in ds.rows] == [1, 1, 0]
    assert ds.rows[0].labels[0].reasoning == "good"
    bad = df.assign(humanScore=["PASS", "perhaps", None])
    with pytest.raises(DataError, match=r'^DataFrame:2: "humanScore" must be PASS or FAIL'):
        Dataset.from_pandas(bad)


def test_to_pandas_round_trips_single_labels() -> None:
    df = pd.DataFrame({"id": ["a", "b"], "question": ["q1", "q2"], "output": ["x", "y"],
                       "label": [4, 2]})
    ds = Dataset.from_pandas(df, "f", scale="stars")
    out = ds.to_pandas()
    assert list(out.columns) == ["id", "question", "output", "label"]
    assert out["label"].tolist() == [4, 2]
    again = Dataset.from_pandas(out, "g", scale="stars")
    assert [r.labels for r in again.rows] == [r.labels for r in ds.rows]


def test_save_load_and_sample(store: Store, shared_datasets: Path) -> None:
    import_file(store, shared_datasets / "pandalm/public.jsonl", "pandalm")
    loaded = Dataset.load(store, "pandalm")
    assert len(loaded) == 607 and loaded.kind == "pairwise"
    frame = loaded.to_pandas()
    assert {"output_1", "output_2", "annotator1", "annotator2", "annotator3"} <= set(frame)
    subset = loaded.sample(20, seed=3, name="pandalm-20")
    summary = subset.save(store)
    assert (summary.rows, summary.labeled, summary.kind) == (20, 20, "pairwise")
    assert len(summary.annotators) == 3
    with pytest.raises(ConflictError):
        subset.save(store)
    assert Dataset.load(store, "pandalm-20").items[0].output_2 is not None


def test_pairwise_frame_round_trips_through_pandas(sqlite_store: Store) -> None:
    df = pd.DataFrame({"input": ["i"], "output_1": ["a"], "output_2": ["b"],
                       "annotator1": [1], "annotator2": [0]})
    ds = Dataset.from_pandas(df, "pw")
    assert ds.kind == "pairwise" and [lb.annotator for lb in ds.rows[0].labels] == [
        "annotator1", "annotator2"]
    ds.save(sqlite_store)
    back = Dataset.load(sqlite_store, "pw").to_pandas()
    assert back[["annotator1", "annotator2"]].iloc[0].tolist() == [1, 0]
