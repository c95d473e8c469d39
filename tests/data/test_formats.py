"""What each importer makes of its format: outputs, inputs, labels, mapping, sniffing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalign.data.importer import import_file
from evalign.data.openai_jsonl import render_output
from evalign.data.sampling import reservoir
from evalign.data.tabular import parse_map
from evalign.errors import ConfigError
from evalign.items import Item
from evalign.store import Store
from evalign.store.repo_items import get_dataset, iter_items
from evalign.store.repo_labels import LabelRecord, labels_for

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _items(store: Store, name: str) -> list[Item]:
    with store.session() as s:
        return list(iter_items(s, get_dataset(s, name).id))


def _labels(store: Store, name: str) -> list[LabelRecord]:
    with store.session() as s:
        return labels_for(s, get_dataset(s, name).id)


def test_openpipe_example_two_labeled_one_unlabeled(store: Store) -> None:
    summary = import_file(store, FIXTURES / "openpipe_alignment.jsonl", "op")
    assert (summary.rows, summary.labeled, summary.labels) == (3, 2, {"pass": 1, "fail": 1})
    assert summary.format == "jsonl/openai"
    items = _items(store, "op")
    assert items[0].output == 'identify_capital({"capital": "Hobart"})'
    assert [m["role"] for m in items[0].inputs["messages"]] == ["system", "user"]
    assert items[0].inputs["tools"][0]["function"]["name"] == "identify_capital"
    assert items[2].metadata["tool_calls"][0]["function"]["arguments"] == '{"capital":"Stockholm"}'
    assert [label.value for label in _labels(store, "op")] == ["pass", "fail"]


def test_judgement_any_case_and_null_is_unlabeled(sqlite_store: Store, tmp_path: Path) -> None:
    rows = [
        {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
         "judgement": judgement}
        for judgement in ("pass", "Fail", None)
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = import_file(sqlite_store, path, "d", criterion="helpful", annotator="ann")
    assert (summary.labeled, summary.labels, summary.annotators) == (2, {"fail": 1, "pass": 1},
                                                                      ["ann"])
    assert summary.criteria == {"helpful": {"fail": 1, "pass": 1}}


def test_render_output_joins_content_and_tool_calls() -> None:
    message = {"role": "assistant", "content": "Let me check.", "tool_calls": [
        {"function": {"name": "lookup", "arguments": '{"q": "x"}'}},
        {"function": {"name": "raw", "arguments": "not json"}},
    ]}
    assert render_output(message) == 'Let me check.\nlookup({"q": "x"})\nraw(not json)'


def test_csv_auto_mapping_reasoning_and_unmapped_inputs(sqlite_store: Store) -> None:
    summary = import_file(sqlite_store, FIXTURES / "labeled.csv", "d")
    assert (summary.rows, summary.labeled, summary.labels) == (3, 3, {"fail": 2, "pass": 1})
    items = _items(sqlite_store, "d")
    assert [i.external_id for i in items] == ["q1", "q2", "q3"]
    assert items[0].inputs == {"question": "What is 2+2?", "grading_notes": "*4*, arithmetic"}
    assert items[0].output == "4"
    assert [label.reasoning for label in _labels(sqlite_store, "d")][:2] == ["correct",
                                                                           "wrong city"]


def test_explicit_map_overrides_and_names_input_fields(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"prompt": "p", "answer": "a", "gold": "4", "response": "r",
                                "who": "bob"}) + "\n")
    import_file(sqlite_store, path, "d", scale="stars", criterion="quality",
                mapping={"output": "response", "label": "gold", "annotator": "who",
                         "question": "prompt"})
    [item] = _items(sqlite_store, "d")
    assert item.output == "r"
    assert item.inputs == {"answer": "a", "question": "p"}
    [label] = _labels(sqlite_store, "d")
    assert (label.value, label.annotator, label.criterion) == (4, "bob", "quality")


def test_parse_map_refuses_pairs_without_equals() -> None:
    assert parse_map(["output=response", "label = gold"]) == {"output": "response",
                                                               "label": "gold"}
    with pytest.raises(ConfigError, match="KEY=COLUMN"):
        parse_map(["output"])


def test_bom_is_accepted(store: Store) -> None:
    summary = import_file(store, FIXTURES / "bom.csv", "bom")
    assert (summary.rows, summary.labeled) == (2, 2)
    assert _items(store, "bom")[0].inputs == {"question": "q1"}


def test_json_array_and_tsv(sqlite_store: Store, tmp_path: Path) -> None:
    array = tmp_path / "a.json"
    array.write_text(json.dumps([{"question": "q", "output": "o", "label": "yes"},
                                 {"question": "q2", "output": "o2"}], indent=2))
    summary = import_file(sqlite_store, array, "arr")
    assert (summary.rows, summary.labeled, summary.format) == (2, 1, "json/table")
    tsv = tmp_path / "t.tsv"
    tsv.write_text("question\tresponse\ttarget\nq\ta, b\tfail\n")
    summary = import_file(sqlite_store, tsv, "tsv")
    assert (summary.rows, summary.labels) == (1, {"fail": 1})
    assert _items(sqlite_store, "tsv")[0].output == "a, b"


def test_pairwise_csv_with_ties(sqlite_store: Store) -> None:
    summary = import_file(sqlite_store, FIXTURES / "pairwise_small.csv", "pw")
    assert (summary.kind, summary.labels) == ("pairwise", {"0": 1, "1": 1, "2": 1})
    first = _items(sqlite_store, "pw")[0]
    assert (first.inputs, first.output, first.output_2) == ({"input": "Say hi"}, "hi",
                                                            "Hello there!")


def test_pairwise_and_pass_fail_criteria_do_not_clash(sqlite_store: Store) -> None:
    import_file(sqlite_store, FIXTURES / "labeled.csv", "single")
    import_file(sqlite_store, FIXTURES / "pairwise_small.csv", "pw")
    from evalign.errors import ConflictError

    with pytest.raises(ConflictError, match="does not fit"):
        import_file(sqlite_store, FIXTURES / "pairwise_small.csv", "pw2", criterion="default")


def test_sample_at_import_is_seeded(sqlite_store: Store, shared_datasets: Path) -> None:
    path = shared_datasets / "evalsbench/public.csv"
    first = import_file(sqlite_store, path, "s1", sample=10, seed=7)
    import_file(sqlite_store, path, "s2", sample=10, seed=7)
    import_file(sqlite_store, path, "s3", sample=10, seed=8)
    assert first.rows == 10
    ids = [[i.output for i in _items(sqlite_store, n)] for n in ("s1", "s2", "s3")]
    assert ids[0] == ids[1] and ids[0] != ids[2]


def test_reservoir_keeps_order_and_refuses_non_positive() -> None:
    picked = reservoir(range(1000), 20, seed=1)
    assert len(picked) == 20 and picked == sorted(picked)
    assert reservoir(range(5), 20, seed=1) == [0, 1, 2, 3, 4]
    with pytest.raises(ConfigError):
        reservoir(range(5), 0, seed=1)


def test_append_and_replace(store: Store) -> None:
    import_file(store, FIXTURES / "openpipe_alignment.jsonl", "op")
    import_file(store, FIXTURES / "openpipe_alignment.jsonl", "op", append=True)
    assert [i.external_id for i in _items(store, "op")] == ["1", "2", "3", "4", "5", "6"]
    summary = import_file(store, FIXTURES / "bom.csv", "op", mode="replace")
    assert summary.rows == 2 and len(_items(store, "op")) == 2


def test_ten_thousand_rows_import_in_seconds(store: Store, tmp_path: Path) -> None:
    import time

    path = tmp_path / "big.csv"
    lines = ["question,response,target"]
    lines += [f"question {i},answer {i},{'pass' if i % 3 else 'fail'}" for i in range(10_000)]
    path.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    summary = import_file(store, path, "big")
    assert summary.rows == 10_000 and summary.labeled == 10_000
    # Speed is measured in bench/store_load.py; this bound only catches a pathological
    # (quadratic) import, with room for a loaded 2-core CI machine.
    assert time.perf_counter() - start < 180


@pytest.mark.parametrize(("name", "text", "fmt", "expected"), [
    ("a.csv", "x,y\n", "auto", "csv"),
    ("a.tsv", "x\ty\n", "auto", "tsv"),
    ("a.json", "[{}]", "auto", "json"),
    ("a.json", '{"a": 1}\n', "auto", "jsonl"),
    ("a.ndjson", '{"a": 1}\n', "auto", "jsonl"),
    ("a.txt", '  [{"a": 1}]', "auto", "json"),
    ("a.txt", "x,y\n", "auto", "csv"),
    ("a.txt", '{"messages": []}\n', "openai-jsonl", "jsonl"),
    ("a.data", "x\n", "csv", "csv"),
])
def test_container_sniffing(tmp_path: Path, name: str, text: str, fmt: str,
                            expected: str) -> None:
    from evalign.data.reader import Source
    from evalign.data.sniff import container_of

    path = tmp_path / name
    path.write_text(text)
    assert container_of(Source(path), fmt) == expected


def test_shape_sniffing_and_unknown_format() -> None:
    from evalign.data.sniff import check_format, shape_of

    assert shape_of("auto", ["messages", "judgement"]) == "openai"
    assert shape_of("auto", ["instruction", "response1", "response2"]) == "pairwise"
    assert shape_of("auto", ["id", "response", "reviews"]) == "ratings"
    assert shape_of("auto", ["id", "inputs", "output", "labels"]) == "native"
    assert shape_of("auto", ["question", "response", "target"]) == "table"
    assert shape_of("pairwise", ["a"]) == "pairwise"
    with pytest.raises(ConfigError, match="unknown format 'xml'"):
        check_format("xml")
