"""DNS rebinding: a live server answers only to its own Host names."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

import httpx

from evalign.store import Store
from evalign.web import create_app
from evalign.web.settings import ServerSettings
from tests.web.helpers import API_HEADERS, seed
from tests.web.live import live_server

LABEL = {"item_id": 1, "annotator": "mallory", "value": "fail"}


def _labels_by(http: httpx.Client, who: str) -> int:
    return int(http.get(f"/api/datasets/demo/queue?annotator={who}").json()["labeled"])


def test_a_foreign_host_is_refused_on_the_default_loopback_bind(sqlite_store: Store) -> None:
    seed(sqlite_store, run=False)
    with live_server(sqlite_store, worker=False) as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        port = urlsplit(url).port
        rebound = {"Host": f"attacker.example:{port}"}
        read = http.get("/api/datasets", headers=rebound)
        assert read.status_code == 400 and read.json()["kind"] == "ForeignHost"
        assert "--allowed-host" in read.json()["error"]
        page = http.get("/datasets", headers=rebound)
        assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
        assert page.headers["x-frame-options"] == "DENY"
        write = http.post("/api/datasets/demo/labels", json=LABEL,
                          headers={**rebound, **API_HEADERS})
        assert write.status_code == 400
        assert _labels_by(http, "mallory") == 0  # nothing written
        for own in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost"):
            assert http.get("/api/datasets", headers={"Host": own}).status_code == 200


def test_a_request_without_host_is_refused(sqlite_store: Store) -> None:
    seed(sqlite_store, run=False)
    with live_server(sqlite_store, worker=False) as url:
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            sock.sendall(b"GET /api/datasets HTTP/1.0\r\n\r\n")
            answer = sock.recv(4096)
    assert answer.split(b"\r\n", 1)[0].split(b" ")[1] == b"400"


def test_allowed_host_names_are_answered(sqlite_store: Store) -> None:
    seed(sqlite_store, run=False)
    settings = ServerSettings(allowed_hosts=("evalign.internal",))
    with live_server(sqlite_store, worker=False, settings=settings) as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        assert http.get("/api/datasets", headers={"Host": "evalign.internal:80"}).status_code \
            == 200
        assert http.get("/api/datasets", headers={"Host": "other.internal"}).status_code == 400
    anywhere = ServerSettings(allowed_hosts=("*",))
    with live_server(sqlite_store, worker=False, settings=anywhere) as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        assert http.get("/api/datasets", headers={"Host": "other.internal"}).status_code == 200


def test_the_address_a_connection_reached_is_its_own_host(sqlite_store: Store) -> None:
    """On a wildcard bind, a LAN address typed in the browser works: an address cannot be
    re-pointed by DNS, only a name can."""
    seed(sqlite_store, run=False)
    app = create_app(sqlite_store, worker=False, settings=ServerSettings(bind="0.0.0.0"))

    async def statuses() -> list[int]:
        transport = httpx.ASGITransport(app=app)  # the connection reached 192.0.2.7:8321
        async with httpx.AsyncClient(transport=transport,
                                     base_url="http://192.0.2.7:8321") as http:
            return [(await http.get("/api/datasets", headers={"Host": host})).status_code
                    for host in ("192.0.2.7:8321", "192.0.2.8:8321", "rebound.example")]

    assert asyncio.run(statuses()) == [200, 400, 400]


def test_host_names_of_a_bind() -> None:
    assert ServerSettings().host_names() == frozenset({"127.0.0.1", "localhost", "::1"})
    public = ServerSettings(bind="192.0.2.7", allowed_hosts=("Evalign.Example.",))
    assert public.host_names() == frozenset({"192.0.2.7", "evalign.example"})
    wildcard = ServerSettings(bind="0.0.0.0").host_names()
    assert wildcard is not None and socket.gethostname().lower() in wildcard
    assert ServerSettings(allowed_hosts=("*",)).host_names() is None
