"""C12: Excel "Unicode Text" (UTF-16LE with BOM) and Windows-1252 CSVs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.field_cases.harness import FieldCase, exported


@pytest.mark.parametrize(("name", "extra"), [("excel_unicode.csv", ()),
                                             ("excel_unicode.txt", ("--format", "tsv"))])
def test_utf16_is_decoded_or_refused_at_line_1(field_case: Callable[[str], FieldCase], name: str,
                                               extra: tuple[str, ...]) -> None:
    case = field_case("C12-csv-encodings")
    result = case.run("import", case.path(name), "--dataset", "a", *extra)
    if result.code != 0:
        assert result.code == 2 and f"{name}:1" in result.err, str(result)
        assert "utf-16" in result.err.lower(), str(result)
        return
    rows = exported(case, "a")
    assert [(r["inputs"], r["output"], [lb["value"] for lb in r["labels"]]) for r in rows] == \
        [({"question": "Where is the café?"}, "On the corner.", ["pass"])]


def test_cp1252_is_refused_at_line_3_naming_the_byte(
        field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C12-csv-encodings")
    result = case.run("import", case.path("windows1252.csv"), "--dataset", "c")
    assert result.code == 2, str(result)
    assert "windows1252.csv:3" in result.err and "0xe9" in result.err.lower(), str(result)
    # Nothing half-imported.
    assert case.run("datasets", "show", "c").code == 2
