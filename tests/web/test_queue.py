"""The annotation queue: own positions per annotator, labels with names, skips, adjudication."""

from __future__ import annotations

from sqlalchemy import select

from evalign.store import Store
from evalign.store import models as m
from tests.web.helpers import Client, text_of


def _queue(client: Client, who: str) -> dict:  # type: ignore[type-arg]
    return client.get(f"/api/datasets/demo/queue?annotator={who}").json()  # type: ignore[no-any-return]


def test_each_annotator_has_their_own_position(client: Client) -> None:
    bob, carol = _queue(client, "bob"), _queue(client, "carol")
    assert bob["item"]["external_id"] == carol["item"]["external_id"] == "q0"
    label = {"item_id": bob["item"]["id"], "annotator": "bob", "value": "PASS",
             "reasoning": "fine"}
    saved = client.post("/api/datasets/demo/labels", json=label).json()
    assert saved["annotator"] == "bob" and saved["value"] == "pass"
    assert _queue(client, "bob")["item"]["external_id"] == "q1"
    assert _queue(client, "bob")["labeled"] == 1
    assert _queue(client, "carol")["item"]["external_id"] == "q0"
    page = text_of(client.get("/datasets/demo/queue?annotator=bob").text)
    assert "1 of 12 labeled" in page and "← Previous" in page
    assert _queue(client, "bob")["previous_id"] == bob["item"]["id"]
    again = client.get(f"/datasets/demo/queue?annotator=bob&item={bob['item']['id']}").text
    assert "you labeled this" in again
    assert 'value="pass" data-key="1" data-letter="P" checked' in again


def test_skip_puts_the_item_after_the_unseen_ones(client: Client) -> None:
    first = _queue(client, "bob")["item"]["id"]
    client.post("/api/datasets/demo/skips", json={"item_id": first, "annotator": "bob"})
    state = _queue(client, "bob")
    assert state["item"]["external_id"] == "q1" and state["skipped"] == 1
    for _ in range(11):
        item = _queue(client, "bob")["item"]
        client.post("/api/datasets/demo/labels",
                    json={"item_id": item["id"], "annotator": "bob", "value": "pass"})
    back = _queue(client, "bob")
    assert back["item"]["id"] == first and back["item_skipped"]


def test_browser_form_records_the_annotator_cookie(client: Client, seeded: Store) -> None:
    assert "Who is annotating?" in client.get("/datasets/demo/queue").text
    assert client.form("/annotator", {"name": "erin", "next": "/datasets/demo/queue"}
                       ).status_code == 303
    item = _queue(client, "erin")["item"]
    client.form("/datasets/demo/queue", {"item_id": item["id"], "criterion": "default",
                                         "value": "fail", "reasoning": "<b>bad</b>"})
    with seeded.session() as s:
        row = s.scalar(select(m.Label).where(m.Label.annotator == "erin"))
        assert row is not None and row.value == "fail" and row.reasoning == "<b>bad</b>"
    client.form("/datasets/demo/queue", {"item_id": item["id"] + 1, "criterion": "default",
                                         "action": "skip"})
    assert _queue(client, "erin")["skipped"] == 1


def test_a_value_outside_the_scale_is_refused(client: Client) -> None:
    bad = client.post("/api/datasets/demo/labels",
                      json={"item_id": 1, "annotator": "bob", "value": "maybe"})
    assert bad.status_code == 400 and "must be PASS or FAIL" in bad.json()["error"]
    nameless = client.post("/api/datasets/demo/labels",
                           json={"item_id": 1, "annotator": " ", "value": "pass"})
    assert nameless.status_code == 400 and "annotator" in nameless.json()["error"]
    assert _queue(client, "bob")["labeled"] == 0


def test_each_scale_gets_its_input(client: Client) -> None:
    def page(criterion: str, scale: str) -> str:
        return client.get(f"/datasets/demo/queue?annotator=bob&criterion={criterion}"
                          f"&scale={scale}").text

    assert page("quality", "stars").count('name="value"') == 5
    assert 'type="number"' in page("score", "numeric:0:10:7")
    assert page("tone", "categorical:rude,neutral,kind").count('name="value"') == 3
    assert "👍" in page("vibe", "thumbs")
    ok = client.post("/api/datasets/demo/labels", json={
        "item_id": 1, "annotator": "bob", "criterion": "quality", "value": 4})
    assert ok.status_code == 200 and ok.json()["value"] == 4
    bad = client.post("/api/datasets/demo/labels", json={
        "item_id": 1, "annotator": "bob", "criterion": "quality", "value": 7})
    assert bad.status_code == 400
    tabs = client.get("/datasets/demo/queue?annotator=bob").text
    assert all(f"criterion={c}" in tabs for c in ("default", "quality"))


def test_adjudication_records_a_resolved_label(client: Client, seeded: Store) -> None:
    client.post("/api/datasets/demo/labels",
                json={"item_id": 1, "annotator": "bob", "value": "fail", "reasoning": "no"})
    client.post("/api/datasets/demo/labels", json={"item_id": 2, "annotator": "bob",
                                                   "value": "fail"})  # agrees with alice
    view = client.get("/api/datasets/demo/disagreements").json()
    assert view["open"] == 1 and [d["item"]["id"] for d in view["items"]] == [1]
    client.form("/annotator", {"name": "judy"})
    assert client.form("/datasets/demo/adjudicate", {"item_id": 1, "criterion": "default",
                                                     "value": "pass", "reasoning": "ok"}
                       ).status_code == 303
    view = client.get("/api/datasets/demo/disagreements").json()
    assert view["open"] == 0 and view["resolved"] == 1
    assert view["items"][0]["resolution"]["annotator"] == "judy (adjudication)"
    with seeded.session() as s:
        resolved = s.scalars(select(m.Label).where(m.Label.resolved.is_(True))).all()
        assert [(r.item_id, r.value) for r in resolved] == [(1, "pass")]


def test_chat_messages_and_tool_calls_render_readably(client: Client, seeded: Store) -> None:
    from evalign.data.importer import import_file
    from tests.web.test_uploads_judges import FIXTURES

    import_file(seeded, FIXTURES / "openpipe_alignment.jsonl", "chat")
    page = client.get("/datasets/chat/queue?annotator=bob").text
    assert 'class="chat"' in page and 'class="msg role-system"' in page
    assert "What is the capital of Tasmania?" in page
    assert "identify_capital" in page  # the tool call (output) and the tools list
    markdown = client.post("/api/datasets/chat/labels", json={
        "item_id": client.get("/api/datasets/chat/queue?annotator=bob").json()["item"]["id"],
        "annotator": "bob", "value": "PASS", "reasoning": "**bold** # not a heading"})
    assert markdown.status_code == 200
    detail = client.get("/datasets/chat").text
    assert "**bold** # not a heading" in detail and "<strong>bold" not in detail
