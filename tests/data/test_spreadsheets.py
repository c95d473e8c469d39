"""Spreadsheet CSVs: delimiters, Excel's quirks, encodings; each read right or refused by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalign.data import dialect
from evalign.data.importer import import_file
from evalign.errors import ConfigError, DataError, NotFoundError
from evalign.items import Item
from evalign.store import Store
from evalign.store.repo_items import get_dataset, iter_items

ROWS = [["question", "response", "target"], ["What is 2+2?", "It is 4, surely", "pass"],
        ["Capital of Peru?", "Quito; I think", "fail"]]


def _items(store: Store, name: str) -> list[Item]:
    with store.session() as s:
        return list(iter_items(s, get_dataset(s, name).id))


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _table(delimiter: str) -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if delimiter in value else value
    return "".join(delimiter.join(cell(v) for v in row) + "\r\n" for row in ROWS)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(sqlite_store: Store, tmp_path: Path, delimiter: str) -> None:
    path = _write(tmp_path / "t.csv", _table(delimiter))
    summary = import_file(sqlite_store, path, "d")
    assert (summary.rows, summary.labels) == (2, {"fail": 1, "pass": 1})
    assert [i.output for i in _items(sqlite_store, "d")] == ["It is 4, surely", "Quito; I think"]


def test_decimal_commas_in_every_row_do_not_fool_detection() -> None:
    lines = ["question;price;target\n"] + [f"q{i};{i},99;pass\n" for i in range(20)]
    assert dialect.detect(lines, complete=True) == ";"


def test_a_one_column_file_reads_with_commas() -> None:
    assert dialect.detect(["response\n", "fine\n"], complete=True) == ","


def test_delimiter_option_forces_one_and_rejects_nonsense(sqlite_store: Store,
                                                          tmp_path: Path) -> None:
    path = _write(tmp_path / "t.txt", "question|response|target\nq|a;b|pass\n")
    import_file(sqlite_store, path, "d", delimiter="pipe")
    assert _items(sqlite_store, "d")[0].output == "a;b"
    with pytest.raises(DataError, match=r"no output column.*--delimiter '\|'"):
        import_file(sqlite_store, path, "e", delimiter="tab")
    with pytest.raises(ConfigError, match="one character"):
        import_file(sqlite_store, path, "f", delimiter=";;")


def test_excel_sep_line_is_honoured_and_lines_keep_their_numbers(sqlite_store: Store,
                                                                 tmp_path: Path) -> None:
    path = _write(tmp_path / "s.csv", "sep=|\nquestion|response|target\nq|a,b;c|pass\nq2|b|x\n")
    with pytest.raises(DataError, match=r"^s\.csv:4: \"target\" must be PASS or FAIL"):
        import_file(sqlite_store, path, "d")


def test_trailing_unnamed_columns_must_stay_empty(sqlite_store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path / "u.csv", "question,response,target,,\nq,a,pass,,\nq2,b,fail,,x\n")
    with pytest.raises(DataError, match=r"^u\.csv:3: a value under column 5, which has no name"):
        import_file(sqlite_store, path, "d")


def test_extra_empty_cells_are_ignored_but_filled_ones_refused(sqlite_store: Store,
                                                               tmp_path: Path) -> None:
    ok = _write(tmp_path / "ok.csv", "question,response,target\nq,a,pass,,\n,,,\n")
    assert import_file(sqlite_store, ok, "ok").rows == 1
    bad = _write(tmp_path / "bad.csv", "question,response,target\nq,a,pass,oops\n")
    with pytest.raises(DataError, match=r"^bad\.csv:2: row has 4 fields but the header has 3 "
                                        r"\(delimiter ',' \(comma\)\)"):
        import_file(sqlite_store, bad, "bad")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_unicode_with_a_byte_order_mark_is_decoded(sqlite_store: Store, tmp_path: Path,
                                                   encoding: str) -> None:
    text = "question\tresponse\ttarget\r\nWhere is the café?\tÀ droite 👍\tpass\r\n"
    raw = text.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    (tmp_path / "u.csv").write_bytes(raw)
    import_file(sqlite_store, tmp_path / "u.csv", "d")
    (item,) = _items(sqlite_store, "d")
    assert (item.inputs, item.output) == ({"question": "Where is the café?"}, "À droite 👍")


def test_utf16_without_bom_is_refused_as_such(sqlite_store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path / "w.csv", "question,response\nq,a\n", "utf-16-le")
    with pytest.raises(DataError, match=r"^w\.csv:1: .*NUL.*UTF-16 without a byte-order mark"):
        import_file(sqlite_store, path, "d")


@pytest.mark.parametrize(("raw", "byte", "shown"), [(b"\x93quoted\x94", "93", "'\u201c'"),
                                                    (b"na\xefve", "ef", "'\u00ef'")])
def test_legacy_encodings_are_refused_naming_the_byte(sqlite_store: Store, tmp_path: Path,
                                                      raw: bytes, byte: str, shown: str) -> None:
    (tmp_path / "l.csv").write_bytes(b"question,response\nq,ok\nq2," + raw + b"\n")
    with pytest.raises(DataError, match=rf"^l\.csv:3: byte 0x{byte} at column \d+ is not UTF-8, "
                                        rf"which Windows-1252 reads as {shown}.*iconv"):
        import_file(sqlite_store, tmp_path / "l.csv", "d")
    with pytest.raises(NotFoundError):  # nothing was written
        _items(sqlite_store, "d")
