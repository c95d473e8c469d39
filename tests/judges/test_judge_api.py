"""The `evalign.Judge` Python API."""

from __future__ import annotations

import evalign
from evalign.providers import ScriptedModel


def test_judge_scores_dicts_and_items_synchronously() -> None:
    with evalign.Judge("Does {response} answer {question}?", model="scripted/hash") as judge:
        first = judge.score({"question": "2+2?", "response": "4 {question} }}"})
        again = judge.score({"question": "2+2?", "response": "4 {question} }}"})
        assert first.value in ("pass", "fail") and first.value == again.value
        assert first.p_pass in (0.0, 1.0)
        batch = judge.score_many([evalign.Item(inputs={"question": str(i)}, output="x")
                                  for i in range(6)])
        assert len(batch.verdicts) == 6 and batch.calls == 6 and batch.errors == 0


def test_judge_with_a_provider_object_and_code_judge() -> None:
    model = ScriptedModel(lambda request: "Verdict: FAIL\nmissing the unit")
    verdict = evalign.Judge("{response}", model=model).score({"response": "42"})
    assert (verdict.value, verdict.reasoning) == ("fail", "missing the unit")
    assert model.calls == 1
    code = evalign.Judge(code=lambda item: "pass" if item.output else "fail")
    assert code.score({"response": "hi"}).value == "pass"


def test_model_overrides_a_given_spec() -> None:
    spec = evalign.JudgeSpec(prompt="{response}", model="scripted/constant:FAIL")
    assert evalign.Judge(spec=spec).score({"response": "x"}).value == "fail"
    judge = evalign.Judge(spec=spec, model="scripted/constant:PASS")
    assert judge.spec.model == "scripted/constant:PASS"
    assert judge.score({"response": "x"}).value == "pass"
