"""C09: human labels in many spellings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.field_cases.harness import FieldCase, exported

# The questionable spellings: each file's rows as (id, the right label or None for unlabeled).
QUESTIONABLE: dict[str, dict[str, str | None]] = {
    "float.csv": {"b1": "pass", "b2": "fail"},
    "passed.csv": {"b1": "pass", "b2": "fail"},
    "na.csv": {"b1": None, "b2": "pass"},
    "checkmark.csv": {"b1": "pass", "b2": "fail"},
    "trailing_dot.csv": {"b1": "pass", "b2": "fail"},
}
OFFENDING = {"float.csv": "1.0", "passed.csv": "Passed", "na.csv": "N/A",
             "checkmark.csv": "✅", "trailing_dot.csv": "PASS."}


def labels(case: FieldCase, dataset: str) -> dict[str, list[object]]:
    return {row["id"]: [label["value"] for label in row["labels"]]
            for row in exported(case, dataset)}


def test_common_spellings_map_to_pass_and_fail(field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C09-label-normalization")
    case.ok("import", case.path("good.csv"), "--dataset", "good")
    right = {f"a{n}": ["pass" if n % 2 else "fail"] for n in range(1, 13)}
    assert labels(case, "good") == right | {"a13": []}  # empty: imported, unlabeled


@pytest.mark.parametrize("name", sorted(QUESTIONABLE))
def test_questionable_spellings_map_right_or_are_refused_with_file_line(
        field_case: Callable[[str], FieldCase], name: str) -> None:
    case = field_case("C09-label-normalization")
    dataset = name.removesuffix(".csv")
    result = case.run("import", case.path(name), "--dataset", dataset)
    if result.code == 0:
        right = {key: [] if value is None else [value] for key, value in QUESTIONABLE[name].items()}
        assert labels(case, dataset) == right, str(result)
    else:
        assert result.code == 2, str(result)
        assert f"{name}:" in result.err and OFFENDING[name] in result.err, str(result)
        assert case.run("datasets", "show", dataset).code == 2  # nothing half-imported


def test_half_stars_are_refused(field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C09-label-normalization")
    result = case.run("import", case.path("stars.csv"), "--dataset", "stars", "--scale", "stars",
                      "--criterion", "helpful")
    assert result.code == 2, str(result)
    assert "stars.csv:4" in result.err and "2.5" in result.err, str(result)
