"""Export to JSONL and CSV: labels, the latest run's verdicts, formula neutralization."""

from __future__ import annotations

import csv
import json
import os
import stat
import threading
from pathlib import Path

import pytest

from evalign.data.export import export_dataset, neutralize
from evalign.data.importer import import_file
from evalign.errors import ConfigError, ConflictError, NotFoundError
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_items import get_dataset, iter_items

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _add_run(store: Store, dataset: str, value: str) -> int:
    with store.session() as s:
        ds = get_dataset(s, dataset)
        judge = m.Judge(name=f"j-{value}")
        s.add(judge)
        s.flush()
        version = m.JudgeVersion(judge_id=judge.id, version=1, scale={"kind": "pass_fail"},
                                 model="scripted/constant")
        s.add(version)
        s.flush()
        run = m.Run(judge_version_id=version.id, dataset_id=ds.id, status="completed",
                    model="scripted/constant")
        s.add(run)
        s.flush()
        for item in iter_items(s, ds.id):
            assert item.id is not None
            s.add(m.Verdict(run_id=run.id, item_id=item.id, value=value, p_pass=0.9,
                            reasoning="because"))
        return run.id


def test_jsonl_export_has_labels_and_latest_verdicts(store: Store, tmp_path: Path) -> None:
    import_file(store, FIXTURES / "labeled.csv", "d")
    _add_run(store, "d", "fail")
    latest = _add_run(store, "d", "pass")
    out = tmp_path / "d.jsonl"
    assert export_dataset(store, "d", out) == 3
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records[0]["id"] == "q1" and records[0]["inputs"]["question"] == "What is 2+2?"
    assert records[0]["labels"] == [{"criterion": "default", "annotator": "human",
                                     "value": "pass", "reasoning": "correct"}]
    assert records[1]["verdict"] == {"run_id": latest, "value": "pass", "p_pass": 0.9,
                                     "reasoning": "because", "error": None}


def test_csv_export_is_flat_neutralized_and_reimportable(
    sqlite_store: Store, tmp_path: Path
) -> None:
    import_file(sqlite_store, FIXTURES / "labeled.csv", "d")
    out = tmp_path / "d.csv"
    export_dataset(sqlite_store, "d", out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["id", "question", "grading_notes", "output", "label", "reasoning"]
    assert rows[2]["output"] == "'=SUM(A1:A2)"
    assert rows[2]["reasoning"] == "'-looks like a formula"
    assert rows[2]["question"] == "Formula cell?"
    summary = import_file(sqlite_store, out, "again")
    assert (summary.rows, summary.labels) == (3, {"fail": 2, "pass": 1})


def test_csv_export_with_verdict_columns(sqlite_store: Store, tmp_path: Path) -> None:
    import_file(sqlite_store, FIXTURES / "openpipe_alignment.jsonl", "op")
    _add_run(sqlite_store, "op", "pass")
    out = tmp_path / "op.csv"
    export_dataset(sqlite_store, "op", out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[2]["label"] == "" and rows[2]["verdict"] == "pass"
    assert json.loads(rows[0]["messages"])[1]["role"] == "user"


def test_neutralize_and_errors(sqlite_store: Store, tmp_path: Path) -> None:
    assert [neutralize(v) for v in ("=1+1", "+x", "-y", "@z", "ok", -1)] == [
        "'=1+1", "'+x", "'-y", "'@z", "ok", -1]
    with pytest.raises(NotFoundError):
        export_dataset(sqlite_store, "nope", tmp_path / "x.jsonl")
    import_file(sqlite_store, FIXTURES / "bom.csv", "b")
    with pytest.raises(ConfigError):
        export_dataset(sqlite_store, "b", tmp_path / "x.xml", format="xml")
    assert not list(tmp_path.glob(".export-*"))


def test_delete_dataset_with_runs_and_verdicts(store: Store) -> None:
    from evalign.data.catalog import delete_dataset, list_datasets

    import_file(store, FIXTURES / "labeled.csv", "d")
    import_file(store, FIXTURES / "bom.csv", "other")
    _add_run(store, "d", "pass")
    with pytest.raises(ConflictError, match="--with-runs"):
        delete_dataset(store, "d")  # runs never go silently
    delete_dataset(store, "d", with_runs=True)
    assert [d["name"] for d in list_datasets(store)] == ["other"]
    with store.session() as s:
        assert s.query(m.Verdict).count() == 0 and s.query(m.Run).count() == 0


def test_jsonl_export_reimports_without_loss(store: Store, tmp_path: Path,
                                             shared_datasets: Path) -> None:
    from evalign import Dataset

    import_file(store, shared_datasets / "pandalm/public.jsonl", "p", sample=25, seed=1)
    out = tmp_path / "p.jsonl"
    export_dataset(store, "p", out)
    summary = import_file(store, out, "p2")
    assert (summary.format, summary.kind, summary.rows) == ("jsonl/native", "pairwise", 25)
    first, second = Dataset.load(store, "p"), Dataset.load(store, "p2")
    assert [r.labels for r in first.rows] == [r.labels for r in second.rows]
    assert [(i.inputs, i.output_2, i.metadata, i.external_id) for i in first.items] == [
        (i.inputs, i.output_2, i.metadata, i.external_id) for i in second.items]


def test_export_through_symlink_writes_its_target(sqlite_store: Store, tmp_path: Path) -> None:
    import_file(sqlite_store, FIXTURES / "labeled.csv", "d")
    real = tmp_path / "real.jsonl"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    assert export_dataset(sqlite_store, "d", link) == 3
    assert link.is_symlink() and link.resolve() == real
    assert len(real.read_text().splitlines()) == 3
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    dangling = tmp_path / "dangling.jsonl"
    dangling.symlink_to(tmp_path / "sub" / "new.jsonl")
    assert export_dataset(sqlite_store, "d", dangling) == 3
    assert dangling.is_symlink() and len((tmp_path / "sub" / "new.jsonl").read_text()
                                         .splitlines()) == 3
    assert not list(tmp_path.rglob(".export-*"))


def test_export_writes_through_a_fifo(sqlite_store: Store, tmp_path: Path) -> None:
    import_file(sqlite_store, FIXTURES / "labeled.csv", "d")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    assert export_dataset(sqlite_store, "d", fifo) == 3
    reader.join(timeout=10)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert [json.loads(line)["id"] for line in received[0].splitlines()] == ["q1", "q2", "q3"]
    assert not list(tmp_path.glob(".export-*"))


def test_export_dash_is_stdout_and_a_directory_is_refused(
    sqlite_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_file(sqlite_store, FIXTURES / "labeled.csv", "d")
    assert export_dataset(sqlite_store, "d", "-") == 3
    assert len(capsys.readouterr().out.splitlines()) == 3
    assert export_dataset(sqlite_store, "d", "-", format="csv") == 3
    assert capsys.readouterr().out.startswith("id,")
    with pytest.raises(ConfigError, match="is a directory"):
        export_dataset(sqlite_store, "d", tmp_path)
