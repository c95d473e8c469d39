"""Online scoring routes every FAIL and a deterministic share of PASSes to the annotation queue;
labels given there make the judge version's agreement trend and the gate's recent window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from evalign.calibration import OnlineSampling, online_trend, recent_window, route_scored
from evalign.calibration.online import should_route
from evalign.cli.app import app as cli
from evalign.errors import ConfigError
from evalign.judges.spec import Verdict
from evalign.runner.judge import to_item
from evalign.store import Store
from evalign.store.repo_items import get_dataset, iter_items
from evalign.store.repo_labels import record_label
from evalign.store.repo_online import online_runs
from evalign.web import create_app
from evalign.web.settings import ServerSettings
from tests.web.helpers import Client, seed, text_of

SHARE, SEED = 0.1, "prod-1"
QUEUE = "/api/datasets/online:gn"


def _items(says: str, n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"question": f"Question {i}?", "says": says, "output": f"Answer {i} ({says})."}
            for i in range(start, start + n)]


def _score(client: Client, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for at in range(0, len(items), 100):
        reply = client.post("/api/judges/gn/score", json={"items": items[at:at + 100]})
        assert reply.status_code == 200, reply.text
        results += reply.json()["results"]
    return results


@pytest.fixture
def routed(sqlite_store: Store) -> Iterator[Client]:
    """Judge `gn` (answers field `says`) served with every FAIL and 10% of PASSes routed."""
    seed(sqlite_store, run=False)
    settings = ServerSettings(online_sample_pass=SHARE, online_sample_seed=SEED)
    client = Client(create_app(sqlite_store, worker=False, settings=settings))
    yield client
    client.close()


def test_every_fail_and_a_reproducible_share_of_passes_are_routed(routed: Client) -> None:
    passes, fails = _items("PASS", 200), _items("FAIL", 20, start=1000)
    results = _score(routed, passes + fails)
    assert [r["passed"] for r in results] == [True] * 200 + [False] * 20
    assert all(r["routed"] for r in results[200:])  # every FAIL
    chosen = [r["routed"] for r in results[:200]]
    assert 8 <= sum(chosen) <= 34, sum(chosen)  # ~20 expected (binomial sd ≈ 4.2)
    sampling = OnlineSampling(SHARE, SEED)
    assert chosen == [should_route(to_item(i), True, sampling) for i in passes]
    other = [should_route(to_item(i), True, OnlineSampling(SHARE, "another")) for i in passes]
    assert other != chosen  # the seed picks the sample
    again = _score(routed, passes[:50])  # the same items again: the same choice, no new rows
    assert [r["routed"] for r in again] == chosen[:50]
    queue = routed.get(f"{QUEUE}/queue", params={"annotator": "bob"}).json()
    assert queue["total"] == sum(chosen) + 20


def test_routing_is_the_operators_choice(sqlite_store: Store) -> None:
    seed(sqlite_store, run=False)
    plain = Client(create_app(sqlite_store, worker=False))
    try:
        assert [r["routed"] for r in _score(plain, _items("FAIL", 3))] == [False] * 3
        assert plain.get(f"{QUEUE}/queue", params={"annotator": "bob"}).status_code == 404
        forced = plain.post("/api/judges/gn/score",
                            json={"items": _items("PASS", 1), "online_sample_pass": 1.0})
        assert forced.status_code == 422  # a caller cannot turn routing on
    finally:
        plain.close()
    with pytest.raises(ConfigError, match="between 0 and 1"):
        OnlineSampling(1.5)


def _label_queue(client: Client, values: dict[str, str], annotator: str = "bob") -> list[int]:
    """Label the queue's items in order: an item whose `says` is S gets values[S]."""
    done: list[int] = []
    while True:
        view = client.get(f"{QUEUE}/queue", params={"annotator": annotator}).json()
        item = view["item"]
        if item is None:
            return done
        says = item["inputs"]["says"]
        saved = client.post(f"{QUEUE}/labels", json={"item_id": item["id"],
                                                     "annotator": annotator,
                                                     "value": values[says]})
        assert saved.status_code == 200, saved.text
        done.append(item["id"])


def test_routed_items_reach_the_queue_and_their_labels_make_the_trend(
        routed: Client, sqlite_store: Store) -> None:
    _score(routed, _items("FAIL", 4))
    first = routed.get(f"{QUEUE}/queue", params={"annotator": "bob"}).json()
    assert first["total"] == 4 and first["item"]["output"].startswith("Answer 0")
    assert routed.get("/api/judges/gn/online").json()["points"] == []  # nothing labeled yet
    ids = _label_queue(routed, {"FAIL": "fail"})
    assert len(ids) == 4
    trend = routed.get("/api/judges/gn/online", params={"period": "day"}).json()
    today = datetime.now(UTC).date().isoformat()
    assert [(p["version"], p["start"], p["n"], p["agreement"]) for p in trend["points"]] == [
        (1, today, 4, 1.0)]
    # a person changes two labels: agreement on the same items drops to 2/4
    for item_id in ids[:2]:
        routed.post(f"{QUEUE}/labels", json={"item_id": item_id, "annotator": "bob",
                                             "value": "pass"})
    point = online_trend(sqlite_store, "gn", period="week")[0]
    assert (point.n, point.agreed, point.agreement) == (4, 2, 0.5)
    assert point.agreement_ci[0] < 0.5 < point.agreement_ci[1]
    assert point.start.weekday() == 0
    page = text_of(routed.get("/judges/gn").text)
    assert "Online agreement" in page and "online:gn" in page
    assert routed.get("/api/judges/gn").json()["online"]["points"][0]["n"] == 4


def _gate(store: Store, *args: str) -> Any:
    db = store.url.removeprefix("sqlite:///")
    return CliRunner().invoke(cli, ["gate", "gn", "--dataset", "demo", "--min-agreement", "0.4",
                                    "--db", db, "--json", *args])


def test_gate_requires_the_recent_window(routed: Client, sqlite_store: Store) -> None:
    calibrated = _gate(sqlite_store, "--calibrate")  # 9/12 agree on demo: lower bound ≈ 0.47
    assert calibrated.exit_code == 0, calibrated.output
    _score(routed, _items("FAIL", 31))
    _label_queue(routed, {"FAIL": "fail"})  # 31 fresh labels, all agreeing
    ok = _gate(sqlite_store, "--recent-days", "7", "--min-recent-n", "30")
    assert ok.exit_code == 0, ok.output
    assert '"recent_agreement"' in ok.output and '"recent_n"' in ok.output
    too_few = _gate(sqlite_store, "--recent-days", "7", "--min-recent-n", "40")
    assert too_few.exit_code == 1 and "31 compared pairs" in too_few.output
    # 31 more FAILs that people judge PASS: the recent agreement falls to 1/2
    _score(routed, _items("FAIL", 31, start=500))
    _label_queue(routed, {"FAIL": "pass"}, annotator="bob")
    window = recent_window(sqlite_store, "gn", 7)
    assert window.report["comparisons"] == 62 and window.report["agreement"] == 0.5
    _score(routed, _items("FAIL", 40, start=700))
    _label_queue(routed, {"FAIL": "pass"}, annotator="bob")  # 31/102 agree now
    low = _gate(sqlite_store, "--recent-days", "7")
    assert low.exit_code == 1 and "below the floor" in low.output, low.output
    assert _gate(sqlite_store).exit_code == 0  # without --recent-days: the calibration alone
    later = datetime.now(UTC) + timedelta(days=8)
    assert recent_window(sqlite_store, "gn", 7, now=later).report["comparisons"] == 0



def test_routing_stores_each_item_once_on_both_backends(store: Store) -> None:
    seed(store, run=False)
    items = [to_item(i) for i in _items("FAIL", 3)]
    verdicts = [Verdict(value="fail", raw="FAIL") for _ in items]
    sampling = OnlineSampling(0.0, SEED)  # FAILs only
    assert route_scored(store, "gn@1", items, verdicts, [False] * 3, sampling) == [True] * 3
    again = route_scored(store, "gn@1", [items[0], to_item(_items("PASS", 1)[0])],
                         verdicts[:2], [False, True], sampling)
    assert again == [True, False]
    with store.session() as s:
        assert [(r.version, r.dataset) for r in online_runs(s, "gn")] == [(1, "online:gn")]
        ids = [item.id for item in iter_items(s, get_dataset(s, "online:gn").id)]
        assert len(ids) == 3  # the item routed twice is one item
        assert ids[0] is not None
        record_label(s, ids[0], "default", "fail", annotator="ann", source="api",
                     dataset="online:gn")
    assert [(p.n, p.agreed) for p in online_trend(store, "gn")] == [(1, 1)]
