"""`evalign judge export --to PEER`: each export is valid in its peer's own terms.

Always checked here: Python exports compile and define their object, the promptfoo YAML has the
shape of promptfoo's config (defaultTest.assert of llm-rubric), MLflow instructions name only
MLflow's reserved template variables, the Ragas prompt formats with the judge's field names, and
a decomposed judge exports as its checks or is refused with the reason. Where a peer's library
is installed beside evalign, the export is also loaded by it (`test_loads_in_peer`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from evalign.errors import ConfigError
from evalign.judges.exports import TARGETS, export_judge
from evalign.judges.spec import JudgeSpec
from evalign.scores import ScoreConfig
from tests.gate.helpers import invoke

SPEC = JudgeSpec(
    prompt=('Does the answer cover the notes? Reply like {"verdict": "PASS"}.\n\n'
            "Question: {question}\nNotes: {grading_notes}\nAnswer: {response}"),
    model="openai/gpt-4o-mini", guidelines="- A missing note is a FAIL.", threshold=0.6,
    few_shot=[{"fields": {"question": "2+2?", "response": "4"}, "label": "pass",
               "reasoning": "correct"}])
CHECKS = JudgeSpec(kind="decomposed", checks={"questions": ["Does it name alpha?",
                                                            "Does it name beta?"]},
                   model="openai/gpt-4o-mini")


def _defined(source: str) -> set[str]:
    tree = ast.parse(source)
    return {t.id for node in tree.body if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)} | {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("target", ["mlflow", "deepeval", "ragas", "inspect"])
def test_python_exports_compile_and_define_their_object(target: str) -> None:
    exported = export_judge("cover notes", SPEC, target)
    source = exported.text
    compile(source, "export.py", "exec")
    expected = {"mlflow": "judge", "deepeval": "metric", "ragas": "metric",
                "inspect": "judge_scorer"}[target]
    assert expected in _defined(source)
    assert "A missing note is a FAIL." in source and "Example 1" in source
    assert next(iter(exported.files)).startswith("cover_notes_")


def test_mlflow_instructions_use_only_reserved_variables() -> None:
    source = export_judge("j", SPEC, "mlflow").text
    call = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)
                and getattr(n.func, "id", "") == "make_judge")
    args = {k.arg: k.value for k in call.keywords}
    text = ast.literal_eval(args["instructions"])
    assert set(re.findall(r"\{\{\s*(\w+)\s*\}\}", text)) == {"inputs", "outputs"}
    assert "{question}" not in text and "(the \"grading_notes\" field of the inputs)" in text
    assert ast.literal_eval(args["model"]) == "openai:/gpt-4o-mini"
    assert ast.unparse(args["feedback_value_type"]) == "Literal['pass', 'fail']"
    local = export_judge("j", SPEC.model_copy(update={"model": "local/qwen"}), "mlflow").text
    assert "model=None" in local


def test_promptfoo_yaml_has_promptfoos_config_shape() -> None:
    config = yaml.safe_load(export_judge("j", SPEC, "promptfoo").text)
    test = config["defaultTest"]
    assert test["options"]["provider"] == "openai:chat:gpt-4o-mini"
    (rubric,) = test["assert"]
    assert rubric["type"] == "llm-rubric" and rubric["threshold"] == 0.6
    assert "{{question}}" in rubric["value"] and "{{grading_notes}}" in rubric["value"]
    assert "(the output under evaluation)" in rubric["value"]
    assert '{"verdict": "PASS"}' in rubric["value"]  # a literal JSON example survives


def test_promptfoo_grader_is_a_promptfoo_provider_or_left_out() -> None:
    def exported(model: str) -> str:
        return export_judge("j", SPEC.model_copy(update={"model": model}), "promptfoo").text

    claude = yaml.safe_load(exported("anthropic/claude-3-5-haiku"))
    assert claude["defaultTest"]["options"] == {"provider": "anthropic:messages:claude-3-5-haiku"}
    for model in ("scripted/hash", "local/qwen2.5-1.5b", "litellm/x"):
        text = exported(model)
        assert text.startswith(f"# model {model} has no promptfoo provider: left out")
        config = yaml.safe_load(text)
        assert "options" not in config["defaultTest"] and config["defaultTest"]["assert"]
        assert "scripted:" not in text and "local:" not in text


def test_ragas_prompt_formats_with_the_judge_field_names() -> None:
    source = export_judge("j", SPEC, "ragas").text
    call = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call))
    args = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    filled = args["prompt"].format(question="Q?", grading_notes="N", response="R")
    assert "Question: Q?" in filled and 'Reply like {"verdict": "PASS"}' in filled
    assert args["allowed_values"] == ["pass", "fail"]


def test_decomposed_exports_as_checks_or_says_why() -> None:
    config = yaml.safe_load(export_judge("j", CHECKS, "promptfoo").text)
    assert [a["metric"] for a in config["defaultTest"]["assert"]] == ["j/check-1", "j/check-2"]
    assert export_judge("j", CHECKS, "deepeval").text.count("GEval(name=") == 2
    assert export_judge("j", CHECKS, "mlflow").text.count("make_judge(name=") == 2
    assert "QUESTIONS = ['Does it name alpha?'" in export_judge("j", CHECKS, "inspect").text
    with pytest.raises(ConfigError, match="all-checks-must-pass"):
        export_judge("j", CHECKS, "ragas")
    per_item = JudgeSpec(kind="decomposed", checks={"rubric_field": "grading_notes"})
    for target in sorted(set(TARGETS) - {"ragas"}):
        with pytest.raises(ConfigError, match="per-item questions"):
            export_judge("j", per_item, target)


def test_scales_map_or_are_refused() -> None:
    stars = SPEC.model_copy(update={"scale": ScoreConfig.parse("stars")})
    assert "feedback_value_type=int" in export_judge("j", stars, "mlflow").text
    with pytest.raises(ConfigError, match="NumericMetric"):
        export_judge("j", stars, "ragas")
    cats = SPEC.model_copy(update={"scale": ScoreConfig.parse("categorical:bad,ok,good:ok,good")})
    assert "PASSING = ['ok', 'good']" in export_judge("j", cats, "inspect").text
    with pytest.raises(ConfigError, match="unknown export target"):
        export_judge("j", SPEC, "langchain")
    with pytest.raises(ConfigError, match="code judge"):
        export_judge("j", JudgeSpec(kind="code", prompt="m:f"), "promptfoo")


def test_cli_exports_to_stdout_and_a_folder(tmp_path: Path) -> None:
    from evalign.store import open_store
    from evalign.workflows.judge_catalog import create

    db = str(tmp_path / "e.db")
    store = open_store(db)
    create(store, "cover", prompt=SPEC.prompt, scale="pass_fail", model=SPEC.model)
    store.close()
    code, out = invoke("judge", "export", "cover", "--to", "promptfoo", "--db", db)
    assert code == 0 and yaml.safe_load(out)["defaultTest"]["assert"][0]["type"] == "llm-rubric"
    code, out = invoke("judge", "export", "cover@1", "--to", "deepeval", "--out",
                       str(tmp_path / "x"), "--db", db)
    assert code == 0 and (tmp_path / "x" / "cover_deepeval.py").is_file(), out
    code, out = invoke("judge", "export", "cover", "--to", "nope", "--db", db)
    assert code == 2 and "unknown export target" in out


LOADERS: dict[str, tuple[str, str]] = {
    # target → (peer module to import, the class name of the object the export defines)
    "deepeval": ("deepeval", "GEval"),
    "ragas": ("ragas", "DiscreteMetric"),
    "mlflow": ("mlflow", "InstructionsJudge"),
    "inspect": ("inspect_ai", "function"),
}


@pytest.mark.parametrize("target", sorted(LOADERS))
def test_loads_in_peer(target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module, kind = LOADERS[target]
    pytest.importorskip(module)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")  # constructors may look for one
    namespace: dict[str, Any] = {}
    exec(compile(export_judge("cover", SPEC, target).text, "export.py", "exec"), namespace)
    obj = namespace[{"mlflow": "judge", "inspect": "judge_scorer"}.get(target, "metric")]
    assert type(obj).__name__ == kind


def test_mlflow_export_registers_in_a_tracking_store(tmp_path: Path) -> None:
    mlflow = pytest.importorskip("mlflow")
    from mlflow.genai.scorers import get_scorer

    from evalign.store import open_store
    from evalign.workflows.judge_catalog import create

    db = str(tmp_path / "e.db")
    store = open_store(db)
    create(store, "cover", prompt=SPEC.prompt, scale="pass_fail", model=SPEC.model)
    store.close()
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    code, out = invoke("judge", "export", "cover", "--to", "mlflow", "--tracking-uri", uri,
                       "--experiment", "judges", "--db", db)
    assert code == 0, out
    experiment = mlflow.MlflowClient(tracking_uri=uri).get_experiment_by_name("judges")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        judge = get_scorer(name="cover", experiment_id=experiment.experiment_id)
    finally:
        mlflow.set_tracking_uri(previous)
    assert "{{ outputs }}" in judge.instructions and "{{ inputs }}" in judge.instructions
    code, out = invoke("judge", "export", "cover", "--to", "ragas", "--tracking-uri", uri,
                       "--db", db)
    assert code == 2 and "use it with --to mlflow" in out


def _inspect_reader(spec: JudgeSpec) -> tuple[Any, list[str]]:
    """The exported scorer's own `_verdict` and WORDS, run without inspect_ai: the generated
    module's stdlib imports, constants and helper functions, executed as written."""
    tree = ast.parse(export_judge("j", spec, "inspect").text)
    keep = [node for node in tree.body
            if isinstance(node, ast.Import | ast.Assign)
            or (isinstance(node, ast.FunctionDef) and node.name.startswith("_"))]
    namespace: dict[str, Any] = {}
    exec(compile(ast.Module(body=keep, type_ignores=[]), "export.py", "exec"), namespace)
    return namespace["_verdict"], namespace["WORDS"]


READINGS = [
    ("PASS", "pass"), ("fail", "fail"), ("**FAIL**", "fail"), ("Pass.", "pass"),
    ('{"verdict": "FAIL", "reasoning": "must mention X to pass"}', "fail"),
    ('```json\n{"reasoning": "fine", "verdict": "PASS"}\n```', "pass"),
    ('It covers every note.\n{"Verdict": "PASS"}', "pass"),
    ('{"reasoning": "would pass"}', None),
    ("NOT PASS", None), ("does not pass", None), ("PASS or FAIL", None),
    ("Reasoning: must mention X to pass…\nVerdict: FAIL", "fail"),
    ("Verdict: PASS would need the fee.\nFinal verdict: FAIL", "fail"),
    ("**Verdict:** PASS", "pass"), ("The response misses X.\n\nFAIL\n", "fail"),
    ("Verdict: FAIL\nOn reflection:\nPASS", "pass"),
    ("Verdict: PASS if the fee is stated", None),
    ("PASS\nThe response covers the notes.", None),
    ("The answer passes in spirit.", None), ("", None),
    ("I would not PASS this; it should FAIL.", None),
]


@pytest.mark.parametrize(("answer", "expected"), READINGS)
def test_inspect_scorer_reads_only_plain_verdicts(answer: str, expected: str | None) -> None:
    read, words = _inspect_reader(SPEC)
    assert words == ["pass", "fail"]
    assert read(answer, words) == expected


def test_inspect_scorer_reads_labels_and_checks_strictly() -> None:
    cats = SPEC.model_copy(update={"scale": ScoreConfig.parse("categorical:Bad,OK,Good:OK,Good")})
    read, words = _inspect_reader(cats)
    assert [read(a, words) for a in ("Good", "Verdict: bad", "not good", "OK, mostly")] == [
        "good", "bad", None, None]
    read, words = _inspect_reader(CHECKS)
    assert [read(a, words) for a in ("Yes.", "No", "Yes, but it misses beta.", "")] == [
        "yes", "no", None, None]
    assert "Verdict: PASS or Verdict: FAIL" in export_judge("j", SPEC, "inspect").text
