"""Field cases C09–C13 and C23 (../shared/field-cases): each input read right, or refused.

The inputs are copied under tests/fixtures/field/ so the suite does not depend on shared/.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from evalign.data.importer import import_file
from evalign.errors import DataError
from evalign.items import Item
from evalign.store import Store
from evalign.store.repo_items import get_dataset, iter_items
from evalign.store.repo_labels import labels_for

FIELD = Path(__file__).resolve().parent.parent / "fixtures" / "field"


def _items(store: Store, name: str) -> list[Item]:
    with store.session() as s:
        return list(iter_items(s, get_dataset(s, name).id))


def _values(store: Store, name: str) -> dict[str, list[object]]:
    with store.session() as s:
        dataset = get_dataset(s, name)
        ids = {item.id: item.external_id for item in iter_items(s, dataset.id)}
        found: dict[str, list[object]] = {ext: [] for ext in ids.values()}
        for label in labels_for(s, dataset.id):
            found[ids[label.item_id]].append(label.value)
        return found


# ---- C09: label spellings -------------------------------------------------------------------

def test_c09_every_common_spelling_reads_right_and_empty_is_unlabeled(sqlite_store: Store) -> None:
    summary = import_file(sqlite_store, FIELD / "C09-label-normalization/good.csv", "good")
    assert (summary.rows, summary.labeled) == (13, 12)
    expected = ["pass", "fail"] * 6
    values = _values(sqlite_store, "good")
    assert [values[f"a{i}"] for i in range(1, 13)] == [[v] for v in expected]
    assert values["a13"] == []


@pytest.mark.parametrize("name", ["float", "passed", "checkmark", "trailing_dot"])
def test_c09_questionable_spellings_map_to_the_right_class(sqlite_store: Store, name: str
                                                           ) -> None:
    import_file(sqlite_store, FIELD / f"C09-label-normalization/{name}.csv", name)
    assert _values(sqlite_store, name) == {"b1": ["pass"], "b2": ["fail"]}


def test_c09_na_is_refused_with_line_and_value(sqlite_store: Store) -> None:
    with pytest.raises(DataError, match=r"^na\.csv:2: \"target\" is 'N/A'.*leave the cell empty"):
        import_file(sqlite_store, FIELD / "C09-label-normalization/na.csv", "na")


def test_c09_half_a_star_is_refused(sqlite_store: Store) -> None:
    with pytest.raises(DataError, match=r"^stars\.csv:4: .*whole number.*2\.5"):
        import_file(sqlite_store, FIELD / "C09-label-normalization/stars.csv", "stars",
                    scale="stars", criterion="helpful")


# ---- C10–C12: spreadsheet CSVs --------------------------------------------------------------

def test_c10_excel_bom_crlf_and_multiline_cells(sqlite_store: Store) -> None:
    import_file(sqlite_store, FIELD / "C10-csv-excel-export/excel_bom_crlf.csv", "a")
    items = _items(sqlite_store, "a")
    assert [list(i.inputs) for i in items] == [["question"]] * 3
    assert items[0].output == "Step 1: open the lid.\nStep 2: pour."
    assert items[1].output == 'She said "hello, there" twice.'
    assert items[2].output == "line one\r\nline two"
    assert _values(sqlite_store, "a") == {"1": ["pass"], "2": ["fail"], "3": ["pass"]}


def test_c10_trailing_empty_columns_and_rows_are_ignored(sqlite_store: Store) -> None:
    summary = import_file(sqlite_store, FIELD / "C10-csv-excel-export/excel_trailing_cols.csv",
                          "b")
    assert (summary.rows, summary.labels) == (2, {"fail": 1, "pass": 1})
    assert [list(i.inputs) for i in _items(sqlite_store, "b")] == [["question"]] * 2


@pytest.mark.parametrize(("name", "rows"), [("semicolon", 3), ("semicolon_decimal_comma", 2),
                                            ("sep_hint", 3)])
def test_c11_semicolon_files_split_into_their_columns(sqlite_store: Store, name: str,
                                                      rows: int) -> None:
    summary = import_file(sqlite_store, FIELD / f"C11-csv-semicolon/{name}.csv", name)
    assert (summary.rows, summary.labeled) == (rows, rows)
    items = _items(sqlite_store, name)
    assert all(list(i.inputs) == ["question"] for i in items)
    if name == "semicolon_decimal_comma":
        assert [i.output for i in items] == ["It costs 9,99 per month", "19,99"]


@pytest.mark.parametrize(("name", "fmt"), [("excel_unicode.csv", "auto"),
                                           ("excel_unicode.txt", "tsv")])
def test_c12_utf16_unicode_text_is_decoded(sqlite_store: Store, name: str, fmt: str) -> None:
    import_file(sqlite_store, FIELD / "C12-csv-encodings" / name, "u", format=fmt)
    (item,) = _items(sqlite_store, "u")
    assert (item.inputs, item.output) == ({"question": "Where is the café?"}, "On the corner.")


def test_c12_windows1252_is_refused_naming_byte_and_remedy(sqlite_store: Store) -> None:
    with pytest.raises(DataError, match=r"^windows1252\.csv:3: byte 0xe9 .* not UTF-8.*'é'.*"
                                        r"save the file as UTF-8"):
        import_file(sqlite_store, FIELD / "C12-csv-encodings/windows1252.csv", "c")


# ---- C13: OpenAI chat rows ------------------------------------------------------------------

def _chat(store: Store, name: str) -> Item:
    import_file(store, FIELD / f"C13-openai-jsonl-variants/{name}.jsonl", name)
    return _items(store, name)[0]


def test_c13_text_parts_join_and_messages_read_as_a_transcript(sqlite_store: Store) -> None:
    item = _chat(sqlite_store, "a_parts")
    assert item.output == "Order 77 is cancelled."
    assert item.fields()["messages"] == "user: Cancel order 77."


@pytest.mark.parametrize(("name", "output"), [
    ("b_toolcall_no_content_key", 'cancel_order({"order": 77})'),
    ("c_legacy_function_call", 'cancel_order({"order": 78})'),
    ("g_refusal", "I cannot cancel orders."),
    ("h_multi_turn", "Order 77 is cancelled."),
])
def test_c13_output_of_each_reply_shape(sqlite_store: Store, name: str, output: str) -> None:
    assert _chat(sqlite_store, name).output == output


def test_c13_refusal_is_flagged_and_legacy_call_kept(sqlite_store: Store) -> None:
    assert _chat(sqlite_store, "g_refusal").metadata["refusal"] is True
    assert _chat(sqlite_store, "c_legacy_function_call").metadata["function_call"]["name"] == (
        "cancel_order")


def test_c13_multi_turn_keeps_earlier_turns_as_input(sqlite_store: Store) -> None:
    item = _chat(sqlite_store, "h_multi_turn")
    assert [m["content"] for m in item.inputs["messages"]] == [
        "Cancel order 77, please.", "Which order?", "77"]


def test_c13_image_parts_stay_in_messages_never_in_the_text(sqlite_store: Store,
                                                             tmp_path: Path) -> None:
    image = base64.b64encode(bytes(45_000)).decode()
    row = {"messages": [
        {"role": "user", "content": [{"type": "text", "text": "What colour is the car?"},
                                     {"type": "image_url",
                                      "image_url": {"url": f"data:image/png;base64,{image}"}}]},
        {"role": "assistant", "content": "The car is red."}], "judgement": "PASS"}
    path = tmp_path / "d2_large_image.jsonl"
    path.write_text(json.dumps(row) + "\n")
    summary = import_file(sqlite_store, path, "d2")
    assert any("[image]" in w and "line 1" in w for w in summary.warnings)
    (item,) = _items(sqlite_store, "d2")
    assert item.inputs["messages"][0]["content"][1]["image_url"]["url"].endswith(image)
    assert item.fields()["messages"] == "user: What colour is the car?\n[image]"


def test_c13_no_assistant_turn_is_refused(sqlite_store: Store) -> None:
    with pytest.raises(DataError, match=r"^e_no_assistant\.jsonl:1: no assistant message"):
        _chat(sqlite_store, "e_no_assistant")


def test_c13_lowercase_judgements(sqlite_store: Store) -> None:
    import_file(sqlite_store, FIELD / "C13-openai-jsonl-variants/f_lowercase_judgement.jsonl",
                "f")
    assert list(_values(sqlite_store, "f").values()) == [["pass"], ["fail"]]


# ---- C23: two label columns -----------------------------------------------------------------

@pytest.mark.parametrize(("name", "columns"), [
    ("judge_and_human", "'judgement', 'human_label'"), ("label_and_target", "'label', 'target'")])
def test_c23_two_label_columns_are_refused_naming_both(sqlite_store: Store, name: str,
                                                       columns: str) -> None:
    with pytest.raises(DataError, match=rf"^{name}\.csv:1: 2 columns could hold the human label "
                                        rf"\({columns}\).*--map label="):
        import_file(sqlite_store, FIELD / f"C23-ambiguous-label-columns/{name}.csv", name)


def test_c23_map_label_picks_the_human_column(sqlite_store: Store) -> None:
    import_file(sqlite_store, FIELD / "C23-ambiguous-label-columns/judge_and_human.csv", "a",
                mapping={"label": "human_label"})
    assert list(_values(sqlite_store, "a").values()) == [["fail"], ["pass"]]
    assert [i.inputs["judgement"] for i in _items(sqlite_store, "a")] == ["PASS", "FAIL"]
