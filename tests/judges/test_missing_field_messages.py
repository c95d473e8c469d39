"""An item lacking a field the judge needs is named (or called "the item") with what to do."""

from __future__ import annotations

import asyncio

import pytest

from evalign.errors import ConfigError
from evalign.items import Item
from evalign.judges.scorer import score_item
from evalign.judges.spec import JudgeSpec
from evalign.judges.template import check_items
from evalign.providers.scripted import ScriptedModel

DECOMPOSED = JudgeSpec(kind="decomposed", prompt="", model="scripted/constant:YES",
                       checks={"rubric_field": "references"})
PROMPT = JudgeSpec(prompt="Q: {question}\nR: {references}\nA: {output}",
                   model="scripted/constant:PASS")


def _error(spec: JudgeSpec, item: Item) -> str:
    with pytest.raises(ConfigError) as caught:
        asyncio.run(score_item(spec, item, ScriptedModel("constant:YES")))
    return str(caught.value)


def test_an_item_built_without_an_id_is_the_item_never_item_none() -> None:
    item = Item(inputs={"question": "q"}, output="o")  # as online scoring builds it
    for spec in (DECOMPOSED, PROMPT):
        message = _error(spec, item)
        assert "None" not in message, message
        assert "the item has no field 'references'" in message or \
            "the item has no such field" in message, message
        assert "Give the item a 'references' field" in message, message
        assert "question" in message  # the fields the item does have


def test_an_item_with_an_id_is_named() -> None:
    item = Item(inputs={"question": "q"}, output="o", external_id="row-7")
    assert "decomposed judge: item row-7 has no field 'references'" in _error(DECOMPOSED, item)
    assert "but item row-7 has no such field" in _error(PROMPT, item)


def test_the_prompt_judge_message_lists_every_field_it_needs() -> None:
    message = _error(PROMPT, Item(inputs={"question": "q"}, output="o"))
    assert "the judge needs question, references, output" in message, message
    assert "--map references=COLUMN" in message


def test_check_items_names_no_item_when_none_has_an_id() -> None:
    items = [Item(inputs={"question": "q"}, output="a")]
    with pytest.raises(ConfigError) as caught:
        check_items("{question} {references}", items)
    message = str(caught.value)
    assert "lacks: {references} (1 items). Fields there:" in message, message
    assert "item None" not in message and "e.g. item" not in message
