"""C17: the answer cache across endpoints, and `--repeat` on a non-deterministic judge."""

from __future__ import annotations

from collections.abc import Callable

from tests.field_cases.harness import FieldCase


def test_another_endpoint_is_not_served_from_the_cache(
        field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C17-cache-and-repeat")
    with case.mock("answers_a.json", "a.log"):
        case.ok("import", case.path("data.csv"), "--dataset", "d")
        case.ok("judge", "create", "j", "--prompt-file", case.path("prompt.txt"),
                "--model", "openai/judge-m", "--dataset", "d")
        case.ok("run", "j", "--dataset", "d")
    # Endpoint B: another server, the same model name, FAIL to everything.
    with case.mock("answers_b.json", "b.log") as b:
        run = case.run("run", "j", "--dataset", "d")
        assert run.code in (0, 3), str(run)
        calls_b = len(b.requests())
    shown = case.json("runs", "show", "2", "--json")
    if calls_b:
        assert calls_b == 4 and [v["value"] for v in shown["items"]] == ["fail"] * 4, shown
    else:  # at least a visible note that the verdicts came from another endpoint's cache
        note = str(shown["run"].get("cached_from") or "")
        assert note and "127.0.0.1" in note, shown["run"]


def test_repeat_really_asks_again_and_reports_flips(
        field_case: Callable[[str], FieldCase]) -> None:
    case = field_case("C17-cache-and-repeat")
    case.ok("import", case.path("data.csv"), "--dataset", "d")
    with case.mock("answers_c.json", "c.log") as c:
        case.ok("judge", "create", "jt", "--prompt-file", case.path("prompt.txt"),
                "--model", "openai/judge-t", "--param", "temperature=0.8", "--dataset", "d")
        run = case.run("run", "jt", "--dataset", "d", "--repeat", "3")
        assert run.code in (0, 3), str(run)
        calls = len(c.requests())
    assert calls == 12, calls
    shown = case.json("runs", "show", "1", "--json")["run"]
    assert shown["mean_flip_rate"] is not None and shown["mean_flip_rate"] > 0, shown
