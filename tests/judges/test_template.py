"""Template fields, safe rendering and the refusal of missing fields."""

from __future__ import annotations

import pytest

from evalign.errors import ConfigError
from evalign.items import Item
from evalign.judges.template import check_items, render, template_fields


def test_fields_in_first_use_order() -> None:
    template = "{question} then {response}, again {question}; {{literal}} {not a field} {0}"
    assert template_fields(template) == ["question", "response"]


def test_values_with_braces_and_template_syntax_are_inserted_verbatim() -> None:
    values = {"response": "use {question} or {{x}} or {0} or ${HOME} or %(a)s",
              "question": "Q?"}
    text = render("Q: {question}\nA: {response}\nJSON: {\"verdict\": \"PASS\"} {{done}}", values)
    assert text == ('Q: Q?\nA: use {question} or {{x}} or {0} or ${HOME} or %(a)s\n'
                    'JSON: {"verdict": "PASS"} {done}')


def test_missing_fields_name_what_is_missing_and_what_exists() -> None:
    with pytest.raises(ConfigError) as caught:
        render("{question} {context} {grading_notes}", {"question": "q", "response": "r"})
    message = str(caught.value)
    assert "{context}" in message and "{grading_notes}" in message
    assert "question, response" in message


def test_check_items_counts_items_lacking_a_field() -> None:
    items = [Item(inputs={"question": "q"}, output="a", external_id="1"),
             Item(inputs={"question": "q", "context": "c"}, output="a", external_id="2")]
    with pytest.raises(ConfigError, match=r"\{context\} \(1 items\), e.g. item 1"):
        check_items("{context} {question} {response}", items)
    check_items("{question} {response} {output}", items)
