"""Online scoring of an item that lacks a field the judge needs: a 400 that says what to do."""

from __future__ import annotations

from tests.web.helpers import Client


def test_an_online_item_without_the_question_is_the_item_not_item_none(client: Client) -> None:
    answer = client.post("/api/judges/gn/score", json={"item": {"says": "PASS", "output": "a"}})
    assert answer.status_code == 400, answer.text
    message = answer.text
    assert "None" not in message, message
    assert "but the item has no such field" in message
    assert "the judge needs question, response" in message
    assert "Give the item a 'question' field" in message
