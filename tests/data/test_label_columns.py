"""The human label: how it is spelled, which column holds it, and long-format annotation files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalign.data.columns import judge_like, label_candidates
from evalign.data.importer import import_file
from evalign.data.spellings import binary_label, is_placeholder
from evalign.errors import DataError, NotFoundError
from evalign.items import Item
from evalign.store import Store
from evalign.store.repo_items import get_dataset, iter_items
from evalign.store.repo_labels import labels_for


def _items(store: Store, name: str) -> list[Item]:
    with store.session() as s:
        return list(iter_items(s, get_dataset(s, name).id))


def _labels(store: Store, name: str) -> list[tuple[str, str, object]]:
    with store.session() as s:
        dataset = get_dataset(s, name)
        ids = {i.id: i.external_id for i in iter_items(s, dataset.id)}
        return [(ids[x.item_id], x.annotator, x.value) for x in labels_for(s, dataset.id)]


def _csv(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---- spellings ---------------------------------------------------------------------------

PASSES = ["Pass", " PASS ", "passed", "TRUE", True, "yes", "Y", "1", 1, 1.0, "1.00", "+1", "👍",
          "👍🏽", "thumbs_up", "Thumbs up", "thumbs-up", "✅", "✔️", "PASS.", "Yes!", "correct",
          "OK", ":thumbsup:", ":white_check_mark:"]
FAILS = [" fail", "FAILED", "false", False, "No", "n", "0", 0, 0.0, "-1", -1, "👎", "thumbs_down",
         "❌", "✗", "FAIL.", "incorrect", "wrong", ":-1:", ":x:"]
NEITHER = ["maybe", "2", 0.5, "pass, mostly", "PASS (minor)", "✅ pass", "N/A", "", "partial",
           "❎", float("nan")]


@pytest.mark.parametrize("raw", PASSES)
def test_pass_spellings(raw: object) -> None:
    assert binary_label(raw) is True


@pytest.mark.parametrize("raw", FAILS)
def test_fail_spellings(raw: object) -> None:
    assert binary_label(raw) is False


@pytest.mark.parametrize("raw", NEITHER)
def test_anything_else_is_no_spelling(raw: object) -> None:
    assert binary_label(raw) is None


@pytest.mark.parametrize("raw", ["N/A", "n/a", "NaN", "null", "None", "-", "#N/A"])
def test_placeholders_are_told_apart(raw: str) -> None:
    assert is_placeholder(raw) and not is_placeholder("fail")


def test_thumbs_scale_reads_the_same_spellings(sqlite_store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "t.csv", "id,response,label", "a,x,👍🏻", "b,y,-1", "c,z,Thumbs Down")
    import_file(sqlite_store, path, "t", scale="thumbs", criterion="vibe")
    assert [v for _, _, v in _labels(sqlite_store, "t")] == ["up", "down", "down"]


def test_json_booleans_and_nan_cells(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text('{"id": "a", "output": "x", "label": true}\n'
                    '{"id": "b", "output": "y", "label": NaN}\n'
                    '{"id": "c", "output": "z", "label": 0.0}\n')
    summary = import_file(sqlite_store, path, "b")
    assert (summary.rows, summary.labeled) == (3, 2)
    assert _labels(sqlite_store, "b") == [("a", "human", "pass"), ("c", "human", "fail")]


def test_a_free_text_column_taken_by_name_says_how_to_keep_it(sqlite_store: Store,
                                                              tmp_path: Path) -> None:
    path = _csv(tmp_path / "e.csv", "question,response,expected", "Capital?,Paris,Paris")
    with pytest.raises(DataError, match=r"'expected' was taken as the human label by its name.*"
                                        r"--map expected=expected"):
        import_file(sqlite_store, path, "e")
    import_file(sqlite_store, path, "e", mapping={"expected": "expected"})
    assert _items(sqlite_store, "e")[0].inputs == {"question": "Capital?", "expected": "Paris"}


# ---- which column is the label -------------------------------------------------------------

@pytest.mark.parametrize("name", ["llm_label", "judge_verdict", "eval_result", "model_label",
                                  "gpt4_verdict", "o1_label", "label_prediction", "auto_label",
                                  "AI Verdict", "llmJudgement", "verdict_judge", "predicted",
                                  "y_pred"])
def test_judge_named_columns(name: str) -> None:
    assert judge_like(name) and label_candidates([name]) == []


@pytest.mark.parametrize("name", ["label", "target", "judgement", "human_label", "humanScore",
                                  "verdict", "annotation", "gold", "expected", "ground_truth",
                                  "Human Label", "expert_rating", "human_eval", "y_true"])
def test_human_label_names(name: str) -> None:
    assert label_candidates(["question", "response", name]) == [name]


@pytest.mark.parametrize("name", ["expected_output", "label_id", "verdict_reason", "annotator",
                                  "score", "rating", "reference_answer"])
def test_names_that_are_not_the_label(name: str) -> None:
    assert label_candidates([name]) == []


@pytest.mark.parametrize(("columns", "named"), [
    ("verdict,human_verdict", "'verdict', 'human_verdict'"),
    ("gold,annotation", "'gold', 'annotation'"),
    ("expected,label", "'expected', 'label'"),
])
def test_two_candidates_are_refused_with_map_hint(sqlite_store: Store, tmp_path: Path,
                                                  columns: str, named: str) -> None:
    path = _csv(tmp_path / "two.csv", f"question,response,{columns}", "q,a,pass,fail")
    with pytest.raises(DataError, match=rf"^two\.csv:1: 2 columns could hold the human label "
                                        rf"\({named}\).*--map label="):
        import_file(sqlite_store, path, "two")


def test_judge_column_is_skipped_and_named_in_a_warning(sqlite_store: Store,
                                                        tmp_path: Path) -> None:
    path = _csv(tmp_path / "j.csv", "question,response,llm_verdict,human_verdict",
                "q,a,PASS,fail")
    summary = import_file(sqlite_store, path, "j")
    assert _labels(sqlite_store, "j") == [("1", "human", "fail")]
    assert _items(sqlite_store, "j")[0].inputs["llm_verdict"] == "PASS"
    assert any("'llm_verdict'" in w and "never taken as the human label" in w
               for w in summary.warnings)


def test_chat_rows_follow_the_same_rule(sqlite_store: Store, tmp_path: Path) -> None:
    chat = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({**chat, "label": "pass", "human_label": "fail"}) + "\n")
    with pytest.raises(DataError, match=r"^c\.jsonl:1: 2 keys could hold the human label"):
        import_file(sqlite_store, path, "c")
    import_file(sqlite_store, path, "c", mapping={"label": "human_label"})
    assert [v for _, _, v in _labels(sqlite_store, "c")] == ["fail"]
    path.write_text(json.dumps({**chat, "judgement": "Passed", "llm_judgement": "FAIL"}) + "\n")
    import_file(sqlite_store, path, "d")
    assert [v for _, _, v in _labels(sqlite_store, "d")] == ["pass"]


def test_pairwise_label_is_not_guessed(sqlite_store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "p.csv", "input,output_1,output_2,winner,human_label", "i,a,b,1,2")
    with pytest.raises(DataError, match=r"2 columns could hold the human preference"):
        import_file(sqlite_store, path, "p")


# ---- long format -----------------------------------------------------------------------------

def test_one_row_per_annotator_makes_one_item_with_their_labels(sqlite_store: Store,
                                                                tmp_path: Path) -> None:
    path = _csv(tmp_path / "long.csv", "id,question,response,annotator,label,created_at",
                "t1,q1,a1,ana,pass,2024-01-01", "t2,q2,a2,ana,fail,2024-01-01",
                "t1,q1,a1,ben,fail,2024-01-02", "t3,q3,a3,ben,,", "t2,q2,a2,ben,fail,2024-01-03")
    summary = import_file(sqlite_store, path, "long")
    assert (summary.rows, summary.labeled, summary.annotators) == (3, 2, ["ana", "ben"])
    assert sorted(_labels(sqlite_store, "long")) == [
        ("t1", "ana", "pass"), ("t1", "ben", "fail"), ("t2", "ana", "fail"), ("t2", "ben", "fail")]
    first = _items(sqlite_store, "long")[0]
    assert first.inputs == {"question": "q1"}
    assert [a["created_at"] for a in first.metadata["annotations"]] == ["2024-01-01",
                                                                        "2024-01-02"]


def test_long_format_with_a_criterion_column(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "crit.jsonl"
    rows = [{"trace_id": "x", "input": "q", "output": "a", "annotator": who, "criterion": crit,
             "label": value}
            for who, crit, value in [("ana", "tone", "pass"), ("ana", "facts", "fail"),
                                     ("ben", "tone", "pass")]]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = import_file(sqlite_store, path, "crit")
    assert (summary.rows, summary.criteria) == (1, {"facts": {"fail": 1}, "tone": {"pass": 2}})


def test_same_id_with_another_item_is_refused_naming_both_lines(sqlite_store: Store,
                                                                tmp_path: Path) -> None:
    path = _csv(tmp_path / "clash.csv", "id,question,response,annotator,label",
                "1,q1,a1,ana,pass", "2,q2,a2,ana,pass", "1,q1 changed,a1,ben,fail")
    with pytest.raises(DataError, match=r"^clash\.csv:4: id '1' is used on line 2 and on line 4 "
                                        r"for different items \('question' differs\)"):
        import_file(sqlite_store, path, "clash")
    with pytest.raises(NotFoundError):
        _items(sqlite_store, "clash")


def test_one_annotator_twice_on_one_item_is_refused(sqlite_store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "twice.csv", "id,response,annotator,label",
                "1,a,ana,pass", "1,a,ana,fail")
    with pytest.raises(DataError, match=r"^twice\.csv:3: annotator 'ana' labels criterion "
                                        r"'default' of id '1' twice \(lines 2 and 3\)"):
        import_file(sqlite_store, path, "twice")


def test_duplicate_ids_without_annotators_stay_refused(sqlite_store: Store,
                                                       tmp_path: Path) -> None:
    path = _csv(tmp_path / "dup.csv", "id,response,label", "1,a,pass", "1,a,fail")
    with pytest.raises(DataError, match=r"^dup\.csv:3: duplicate id '1' \(already used on line 2"):
        import_file(sqlite_store, path, "dup")
