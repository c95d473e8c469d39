"""C23: a file with both a judge column and a human column (and one with label and target)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.field_cases.harness import FieldCase, exported

# file -> (the label candidates, the human labels in row order where one column is the human's)
FILES: dict[str, tuple[tuple[str, ...], list[str] | None]] = {
    "judge_and_human.csv": (("judgement", "human_label"), ["fail", "pass"]),
    "label_and_target.csv": (("label", "target"), None),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_two_label_candidates_are_not_guessed(field_case: Callable[[str], FieldCase],
                                              name: str) -> None:
    case = field_case("C23-ambiguous-label-columns")
    candidates, right = FILES[name]
    result = case.run("import", case.path(name), "--dataset", "a")
    if result.code == 0:
        # At least: a warning that says which column it chose, and never the judge's column.
        chosen = [c for c in candidates if c in result.text]
        assert "warning" in result.text and chosen, str(result)
        if right is not None:
            assert [[lb["value"] for lb in r["labels"]] for r in exported(case, "a")] == \
                [[v] for v in right], str(result)
        return
    assert result.code == 2, str(result)
    assert all(c in result.err for c in candidates), str(result)
    assert "--map label=" in result.err, str(result)
    assert case.run("datasets", "show", "a").code == 2  # nothing imported


def test_the_way_round_is_map_label(field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C23-ambiguous-label-columns")
    case.ok("import", case.path("judge_and_human.csv"), "--dataset", "a",
            "--map", "label=human_label")
    rows = exported(case, "a")
    assert [[lb["value"] for lb in r["labels"]] for r in rows] == [["fail"], ["pass"]]
