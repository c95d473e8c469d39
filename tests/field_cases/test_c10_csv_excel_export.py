"""C10: an Excel-saved CSV (BOM, CRLF, multi-line cells, trailing empty columns)."""

from __future__ import annotations

from collections.abc import Callable

from tests.field_cases.harness import FieldCase, exported


def test_bom_crlf_and_multiline_cells(field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C10-csv-excel-export")
    case.ok("import", case.path("excel_bom_crlf.csv"), "--dataset", "a")
    rows = exported(case, "a")
    assert [list(r["inputs"]) for r in rows] == [["question"]] * 3  # not '\ufeffquestion'
    assert [r["inputs"]["question"] for r in rows] == ["What are the steps?", "Quote test",
                                                      "CRLF inside"]
    assert rows[0]["output"] == "Step 1: open the lid.\nStep 2: pour."
    assert rows[1]["output"] == 'She said "hello, there" twice.'
    assert rows[2]["output"] in ("line one\r\nline two", "line one\nline two")
    assert [[label["value"] for label in r["labels"]] for r in rows] == \
        [["pass"], ["fail"], ["pass"]]


def test_trailing_empty_columns_and_rows(field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C10-csv-excel-export")
    result = case.run("import", case.path("excel_trailing_cols.csv"), "--dataset", "b")
    if result.code != 0:  # a refusal must say where and what to do
        assert result.code == 2 and "excel_trailing_cols.csv:" in result.err, str(result)
        assert "column" in result.err.lower(), str(result)
        return
    rows = exported(case, "b")
    assert len(rows) == 2, rows
    assert [list(r["inputs"]) for r in rows] == [["question"]] * 2
    assert rows[0]["output"] == "Step 1: open the lid.\nStep 2: pour."
    assert [[label["value"] for label in r["labels"]] for r in rows] == [["pass"], ["fail"]]
