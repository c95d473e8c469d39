"""`--map` is never ignored without a word, whatever format the file is recognised as.

A mapped column the file does not have is an error naming the file (file:line where the
columns are fixed) and the columns it has, and nothing is imported; a key the format does not
read is refused, unless it maps a column to its own name (no effect: accepted when the column
exists). Pairwise data (PandaLM's shape) reads any other key as an input field.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.data.dataset import Dataset
from evalign.data.importer import import_file
from evalign.errors import ConfigError, DataError, NotFoundError
from evalign.store import Store
from evalign.store.repo_items import get_dataset, iter_items
from evalign.store.repo_labels import labels_for

PANDALM_COLUMNS = ("idx, motivation_app, cmp_key, instruction, input, response1, response2, "
                   "annotator1, annotator2, annotator3, majority_label, n_agree")
EVALIGN = Path(sys.executable).with_name("evalign")
CHAT = [{"role": "user", "content": "Capital of Sweden?"},
        {"role": "assistant", "content": "Stockholm."}]


def _pandalm(shared_datasets: Path, tmp_path: Path, n: int = 3) -> Path:
    """The first n records of PandaLM's test set, as shipped."""
    lines = (shared_datasets / "pandalm/public.jsonl").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "public.jsonl"
    path.write_text("\n".join(lines[:n]) + "\n", encoding="utf-8")
    return path


def _jsonl(tmp_path: Path, name: str, records: list[dict[str, Any]]) -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _items(store: Store, name: str) -> list[Any]:
    with store.session() as session:
        return list(iter_items(session, get_dataset(session, name).id))


def _absent(store: Store, name: str) -> None:
    with store.session() as session, pytest.raises(NotFoundError):
        get_dataset(session, name)


def test_a_missing_column_on_pandalm_is_an_error_and_nothing_is_imported(
        sqlite_store: Store, shared_datasets: Path, tmp_path: Path) -> None:
    path = _pandalm(shared_datasets, tmp_path)
    with pytest.raises(DataError) as caught:
        import_file(sqlite_store, path, "p", mapping={"case": "case"})
    assert str(caught.value).startswith(
        "public.jsonl:1: column 'case' (mapped with --map case=case) is missing; columns: "
        + PANDALM_COLUMNS)
    with pytest.raises(DataError, match=r"public.jsonl:1: column 'nope' \(mapped with --map "
                                        r"input=nope\) is missing"):
        import_file(sqlite_store, path, "p", mapping={"input": "nope"})
    _absent(sqlite_store, "p")


def test_the_cli_exits_2_naming_the_file_and_its_columns(
        shared_datasets: Path, tmp_path: Path) -> None:
    path = _pandalm(shared_datasets, tmp_path)
    db = str(tmp_path / "e.db")
    done = subprocess.run([EVALIGN, "import", str(path), "-d", "p", "--map", "case=case",
                           "--db", db], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and done.stdout == ""
    flat = " ".join(done.stderr.split())
    assert "public.jsonl:1: column 'case' (mapped with --map case=case) is missing" in flat
    assert "columns: idx, motivation_app, cmp_key" in flat
    listed = CliRunner().invoke(app, ["datasets", "list", "--db", db, "--json"])
    assert json.loads(listed.stdout) == []


def test_pandalm_reads_other_keys_as_input_fields(
        sqlite_store: Store, shared_datasets: Path, tmp_path: Path) -> None:
    path = _pandalm(shared_datasets, tmp_path)
    import_file(sqlite_store, path, "p", mapping={"cmp_key": "cmp_key",
                                                  "app": "motivation_app"})
    first = _items(sqlite_store, "p")[0]
    assert first.inputs["cmp_key"] == "bloom-7b_llama-7b"
    assert first.inputs["app"] == "Grammarly" and "input" in first.inputs
    assert "cmp_key" not in first.metadata and "motivation_app" not in first.metadata
    assert "n_agree" in first.metadata  # unmapped columns stay metadata


def test_an_explicit_pandalm_label_column_is_the_one_label_source(
        sqlite_store: Store, shared_datasets: Path, tmp_path: Path) -> None:
    path = _pandalm(shared_datasets, tmp_path)
    import_file(sqlite_store, path, "p", mapping={"label": "majority_label"})
    with sqlite_store.session() as session:
        labels = labels_for(session, get_dataset(session, "p").id)
    assert [label.annotator for label in labels] == ["human"] * 3
    assert "annotator1" in _items(sqlite_store, "p")[0].metadata


def test_pairwise_refuses_table_keys_it_does_not_read(
        sqlite_store: Store, shared_datasets: Path, tmp_path: Path) -> None:
    path = _pandalm(shared_datasets, tmp_path)
    with pytest.raises(ConfigError, match=r"--map output=\.\.\. does not apply to pairwise "
                                          r"data: map output_1 and output_2"):
        import_file(sqlite_store, path, "p", mapping={"output": "response1"})
    with pytest.raises(ConfigError, match=r"--map annotator=\.\.\. does not apply"):
        import_file(sqlite_store, path, "p", mapping={"annotator": "annotator1"})
    _absent(sqlite_store, "p")


def test_openai_jsonl_label_key_found_on_a_later_line(sqlite_store: Store,
                                                      tmp_path: Path) -> None:
    path = _jsonl(tmp_path, "chat.jsonl", [{"messages": CHAT},
                                           {"messages": CHAT, "verdict_by_hand": "PASS"}])
    summary = import_file(sqlite_store, path, "c", mapping={"label": "verdict_by_hand"})
    assert (summary.rows, summary.labeled) == (2, 1)


def test_openai_jsonl_mapped_key_in_no_record_is_an_error(sqlite_store: Store,
                                                          tmp_path: Path) -> None:
    path = _jsonl(tmp_path, "chat.jsonl", [{"messages": CHAT, "judgement": "PASS"},
                                           {"messages": CHAT, "judgement": "FAIL"}])
    with pytest.raises(DataError) as caught:
        import_file(sqlite_store, path, "c", mapping={"label": "judgment"})
    assert str(caught.value).startswith(
        "chat.jsonl: column 'judgment' (mapped with --map label=judgment) is in no record of "
        "the file: nothing was imported; columns: messages, judgement")
    with pytest.raises(DataError, match=r"column 'nope' \(mapped with --map nope=nope\) is in no"):
        import_file(sqlite_store, path, "c", mapping={"nope": "nope"})
    _absent(sqlite_store, "c")


def test_openai_jsonl_refuses_keys_it_does_not_read(sqlite_store: Store,
                                                   tmp_path: Path) -> None:
    path = _jsonl(tmp_path, "chat.jsonl", [{"messages": CHAT, "judgement": "PASS", "q": 1}])
    with pytest.raises(ConfigError, match=r"--map output=q does not apply to OpenAI chat "
                                          r"JSONL: it reads only label, annotator from --map"):
        import_file(sqlite_store, path, "c", mapping={"output": "q"})
    _absent(sqlite_store, "c")
    summary = import_file(sqlite_store, path, "c", mapping={"q": "q"})  # no effect, exists
    assert summary.rows == 1 and _items(sqlite_store, "c")[0].metadata == {"q": 1}


def test_native_jsonl_takes_no_map(sqlite_store: Store, tmp_path: Path) -> None:
    record = {"id": "a", "inputs": {"q": "x"}, "output": "y", "labels": []}
    path = _jsonl(tmp_path, "export.jsonl", [record])
    with pytest.raises(ConfigError, match=r"evalign's own JSONL .* takes no --map"):
        import_file(sqlite_store, path, "n", mapping={"input": "inputs"})


def test_a_table_keeps_same_name_maps_and_refuses_missing_columns(
        sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("question,response,label\nQ?,A.,pass\n", encoding="utf-8")
    import_file(sqlite_store, path, "t", mapping={"question": "question"})
    assert _items(sqlite_store, "t")[0].inputs == {"question": "Q?"}
    with pytest.raises(DataError, match=r"t.csv:1: column 'case' \(mapped with --map "
                                        r"case=case\) is missing; columns: question, response"):
        import_file(sqlite_store, path, "t2", mapping={"case": "case"})


def test_a_dataframe_is_checked_by_the_same_rule() -> None:
    frame = pd.DataFrame([{"messages": CHAT, "judgement": "PASS"}])
    with pytest.raises(ConfigError, match="does not apply to OpenAI chat JSONL"):
        Dataset.from_pandas(frame, mapping={"id": "uuid"})
