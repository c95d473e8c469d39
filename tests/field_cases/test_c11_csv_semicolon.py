"""C11: CSVs saved by a European-locale Excel (semicolon-delimited)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.field_cases.harness import FieldCase, exported

THREE = [("What is 2+2?", "4", "pass"), ("Name a primary colour", "Red", "pass"),
         ("Capital of Peru?", "Quito", "fail")]
RIGHT = {
    "semicolon.csv": THREE,
    "semicolon_decimal_comma.csv": [("Price of the basic plan?", "It costs 9,99 per month",
                                     "pass"), ("Price of the pro plan?", "19,99", "pass")],
    "sep_hint.csv": THREE,
}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_semicolon_files_import_with_their_columns(
        field_case: Callable[[str], FieldCase], name: str) -> None:
    case = field_case("C11-csv-semicolon")
    result = case.run("import", case.path(name), "--dataset", "x")
    if result.code != 0:
        # A refusal names the file, the line and the likely delimiter, and does not blame quoting.
        assert result.code == 2 and f"{name}:" in result.err, str(result)
        assert "';'" in result.err or "semicolon" in result.err.lower(), str(result)
        assert "quote" not in result.err.lower(), str(result)
        return
    rows = exported(case, "x")
    got = [(r["inputs"].get("question"), r["output"], [lb["value"] for lb in r["labels"]])
           for r in rows]
    assert got == [(q, o, [label]) for q, o, label in RIGHT[name]], str(result)
    assert all(list(r["inputs"]) == ["question"] for r in rows), rows
