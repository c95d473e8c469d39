"""Template fields, safe rendering, mustache placeholders and the refusal of missing fields."""

from __future__ import annotations

import pytest

from evalign.errors import ConfigError
from evalign.items import Item
from evalign.judges.prompt import build_request
from evalign.judges.spec import JudgeSpec
from evalign.judges.template import available_fields, check_items, render, template_fields

ITEM = Item(inputs={"question": "Q?", "grading_notes": "mentions X"}, output="A.",
            external_id="K1")


def test_fields_in_first_use_order_in_both_spellings() -> None:
    template = ("{question} then {{ response }}, again {{question}}; {not a field} {0} {} "
                "{\"a\": 1} \\{escaped} \\{{ escaped_too }}")
    assert template_fields(template) == ["question", "response"]


def test_values_with_braces_and_template_syntax_are_inserted_verbatim() -> None:
    values = {"response": "use {question} or {{x}} or {{ question }} or {0} or ${HOME} or %(a)s",
              "question": "Q?"}
    text = render("Q: {question}\nA: {response}\nJSON: {\"verdict\": \"PASS\"}", values)
    assert text == ('Q: Q?\nA: use {question} or {{x}} or {{ question }} or {0} or ${HOME} '
                    'or %(a)s\nJSON: {"verdict": "PASS"}')


def test_mustache_placeholders_render_like_single_braces() -> None:
    values = {"question": "Q?", "output": "A.", "response": "A."}
    mustache = render("Question: {{ question }}\nAnswer: {{output}}\n{{\tresponse  }}", values)
    plain = render("Question: {question}\nAnswer: {output}\n{response}", values)
    assert mustache == plain == "Question: Q?\nAnswer: A.\nA."


def test_braces_that_are_not_placeholders_stay_as_written() -> None:
    template = ('Reply as {"verdict": {"label": "PASS"}} or {{"verdict": "FAIL"}}; {0} {} '
                '{ spaced } and keep \\{question} and \\{{ question }} literal. {question}')
    assert render(template, {"question": "Q?"}) == (
        'Reply as {"verdict": {"label": "PASS"}} or {{"verdict": "FAIL"}}; {0} {} '
        '{ spaced } and keep {question} and {{ question }} literal. Q?')


def test_mlflow_gathered_names() -> None:
    values = ITEM.fields()
    assert available_fields(values)[-3:] == ["inputs", "outputs", "expectations"]
    assert render("{{ inputs }}|{{ outputs }}", values) == \
        "question: Q?\ngrading_notes: mentions X|A."
    # With `expectations` named too, the reference fields are not repeated among the inputs.
    assert render("{{ inputs }}|{{ outputs }}|{{ expectations }}", values) == \
        "question: Q?|A.|grading_notes: mentions X"
    pairwise = Item(inputs={"input": "Q?"}, output="one", output_2="two").fields()
    assert render("{{ outputs }}", pairwise) == "output_1: one\noutput_2: two"


def test_an_item_field_named_like_a_gathered_name_wins() -> None:
    values = Item(inputs={"inputs": "raw inputs text"}, output="A.").fields()
    assert render("{{ inputs }}", values) == "raw inputs text"


def test_gathered_names_need_something_to_gather() -> None:
    values = Item(inputs={"question": "Q?"}, output="A.").fields()
    assert "expectations" not in available_fields(values)
    with pytest.raises(ConfigError, match=r"uses \{\{ expectations \}\} but the item"):
        render("{{ inputs }} {{ expectations }}", values)


def test_missing_fields_name_what_is_missing_and_what_exists() -> None:
    with pytest.raises(ConfigError) as caught:
        render("{question} {context} {{ grading_notes }}", {"question": "q", "response": "r"})
    message = str(caught.value)
    assert "{context}" in message and "{{ grading_notes }}" in message
    assert "inputs, question, response" in message


def test_jinja_expressions_and_statements_are_refused_not_sent() -> None:
    for template in ("{{ question | upper }}", "{{ inputs.question }}", "{% if x %}y{% endif %}"):
        with pytest.raises(ConfigError, match="plain names only"):
            render(template + " {question}", {"question": "q"})
    assert render("\\{{ question | upper }} {question}", {"question": "q"}) == \
        "{{ question | upper }} q"


def test_check_items_counts_items_lacking_a_field() -> None:
    items = [Item(inputs={"question": "q"}, output="a", external_id="1"),
             Item(inputs={"question": "q", "context": "c"}, output="a", external_id="2")]
    with pytest.raises(ConfigError, match=r"\{context\} \(1 items\), e.g. item 1"):
        check_items("{context} {question} {response}", items)
    with pytest.raises(ConfigError, match=r"\{\{ score \}\} \(2 items\)"):
        check_items("{{ question }} {{ score }}", items)
    check_items("{question} {response} {output} {{ inputs }} {{outputs}}", items)


def test_check_items_refuses_a_template_that_names_no_field() -> None:
    items = [Item(inputs={"question": "q"}, output="a", external_id="1")]
    with pytest.raises(ConfigError, match=r"names no item field.*inputs, output, outputs"):
        check_items("Is the answer polite? {0} {} {\"a\": 1}", items)
    check_items("", items)  # a decomposed judge's empty prompt is never sent


def test_the_request_carries_the_item_and_no_placeholder() -> None:
    spec = JudgeSpec(prompt="Q: {{ question }}\nA: {{ output }}\nNotes: {{ expectations }}")
    user = build_request(spec, ITEM).messages[1]["content"]
    assert user == "Q: Q?\nA: A.\nNotes: grading_notes: mentions X"


def test_field_names_in_any_script() -> None:
    values = {"问题": "Q?", "réponse": "R."}
    assert render("{问题} / {{ réponse }} / {0} / {1a}", values) == "Q? / R. / {0} / {1a}"
