"""C19: mustache placeholders, braces in the data, a JSON example and a stray `{score}`."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from tests.field_cases.harness import FieldCase


def test_placeholders_are_filled_and_data_braces_kept(
        field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C19-template-braces")
    with Path(case.path("data.csv")).open(encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    example = Path(case.path("format_example.txt")).read_text(encoding="utf-8")
    without_score = case.tmp / "format_example_fixed.txt"
    without_score.write_text(example.replace("{score}", "score"), encoding="utf-8")
    with case.mock() as mock:
        case.ok("import", case.path("data.csv"), "--dataset", "d")
        # (a) a prompt carried over from MLflow / Langfuse: {{ question }} and {{output}}.
        mustache = case.run("judge", "create", "mus", "--prompt-file", case.path("mustache.txt"),
                            "--model", "openai/whatever", "--dataset", "d")
        if mustache.code == 0:
            case.ok("run", "mus", "--dataset", "d")
        else:  # a refusal must say why, up front
            assert mustache.code == 2 and "{{" in mustache.err, str(mustache)
        # (b) the same prompt in {field} syntax, on an answer full of braces.
        case.ok("judge", "create", "pl", "--prompt-file", case.path("plain.txt"),
                "--model", "openai/whatever", "--dataset", "d")
        case.ok("run", "pl", "--dataset", "d")
        # (c) a stray {score} next to a JSON example: refused up front, with the fields there.
        stray = case.run("judge", "create", "fe", "--prompt-file",
                         case.path("format_example.txt"), "--model", "openai/whatever",
                         "--dataset", "d")
        assert stray.code == 2, str(stray)
        assert "{score}" in stray.err and "question" in stray.err and "response" in stray.err
        assert '"verdict"' not in stray.err, str(stray)  # the JSON example is not a placeholder
        # ... and without the stray placeholder the JSON example reaches the judge as written.
        case.ok("judge", "create", "fe2", "--prompt-file", str(without_score),
                "--model", "openai/whatever", "--dataset", "d")
        case.ok("run", "fe2", "--dataset", "d")
        prompts = mock.user_prompts()
    for sent in prompts:
        # Every prompt carries the item, verbatim, and no unfilled placeholder.
        assert row["question"] in sent and row["response"] in sent, sent
        assert "{{ question }}" not in sent and "{{output}}" not in sent, sent
        assert "{question}" not in sent and "{response}" not in sent, sent
    assert len(prompts) == (3 if mustache.code == 0 else 2), prompts
    assert 'Reply as {"verdict": "PASS"} and put the score in the reason.' in prompts[-1]
