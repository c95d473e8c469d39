"""Sessions: token length, sign-in throttling, sign-out, expiry, headers on every response."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from typer.testing import CliRunner

from evalign.cli.app import app as cli
from evalign.errors import ConfigError
from evalign.store import Store
from evalign.web import create_app
from evalign.web.sessions import Sessions
from evalign.web.settings import ServerSettings
from evalign.web.throttle import SignInThrottle
from tests.web.helpers import Client, seed
from tests.web.live import live_server

TOKEN = "a-long-enough-token-for-tests"
SECURITY = ("content-security-policy", "x-content-type-options", "referrer-policy",
            "x-frame-options")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def guarded(sqlite_store: Store) -> Iterator[Client]:
    seed(sqlite_store, run=False)
    client = Client(create_app(sqlite_store, token=TOKEN, worker=False))
    yield client
    client.close()


def _app_state(client: Client) -> object:
    return client.app.state


def test_short_tokens_are_refused(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="at least 16"):
        create_app(sqlite_store, token="x", worker=False)
    monkeypatch.setenv("EVALIGN_TOKEN", "fifteen-chars!!")
    for host in ("0.0.0.0", "127.0.0.1"):
        result = CliRunner().invoke(cli, ["serve", "--host", host, "--db", ":memory:"])
        assert result.exit_code != 0 and isinstance(result.exception, ConfigError)
        assert "at least 16" in str(result.exception)


def test_sign_in_is_throttled_per_client(guarded: Client, sqlite_store: Store) -> None:
    clock = Clock()
    state = _app_state(guarded)
    state.throttle = SignInThrottle(free=5, base_s=2.0, clock=clock)  # type: ignore[attr-defined]
    wrong = [guarded.form("/login", {"token": f"guess-{n}"}).status_code for n in range(6)]
    assert wrong == [401] * 5 + [429]
    locked = guarded.form("/login", {"token": TOKEN})  # even the right token waits
    assert locked.status_code == 429 and locked.headers["retry-after"] == "2"
    assert "too many wrong access tokens" in locked.text
    elsewhere = Client(guarded.app, address=("10.0.0.9", 40000))
    assert elsewhere.form("/login", {"token": TOKEN}).status_code == 303  # others unaffected
    elsewhere.close()
    clock.now += 2.0
    assert guarded.form("/login", {"token": "guess-again"}).status_code == 429
    clock.now += 4.0  # the lock doubled
    assert guarded.form("/login", {"token": TOKEN}).status_code == 303


def test_bearer_guesses_count_as_sign_ins(guarded: Client) -> None:
    clock = Clock()
    state = _app_state(guarded)
    state.throttle = SignInThrottle(free=3, clock=clock)  # type: ignore[attr-defined]
    codes = [guarded.get("/api/datasets", headers={"Authorization": f"Bearer guess{n}"})
             .status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]
    right = guarded.get("/api/datasets", headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1
    clock.now += 1.0
    assert guarded.get("/api/datasets", headers={"Authorization": f"Bearer {TOKEN}"}) \
        .status_code == 200


def test_the_throttle_remembers_a_bounded_number_of_clients() -> None:
    throttle = SignInThrottle(free=0, capacity=100)
    for n in range(10_000):
        throttle.failed(f"10.0.{n // 256}.{n % 256}")
    assert len(throttle._clients) == 100
    assert throttle.wait_s("10.0.39.15") > 0  # the most recent ones are kept


def test_sign_out_ends_the_session_on_the_server(guarded: Client) -> None:
    assert guarded.form("/login", {"token": TOKEN, "next": "/datasets"}).status_code == 303
    stolen = guarded.http.cookies["evalign_session"]
    page = guarded.get("/datasets")
    assert page.status_code == 200 and 'href="/logout"' in page.text
    assert guarded.get("/logout").status_code == 200
    out = guarded.form("/logout", {})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert guarded.get("/datasets").status_code == 303
    guarded.http.cookies.set("evalign_session", stolen)  # a copy of the cookie is dead too
    assert guarded.get("/datasets").headers["location"].startswith("/login")
    assert guarded.get("/api/datasets").status_code == 401


def test_sessions_expire(guarded: Client) -> None:
    clock = Clock()
    state = _app_state(guarded)
    state.sessions = Sessions(TOKEN, ttl_s=3600, clock=clock)  # type: ignore[attr-defined]
    signed = guarded.form("/login", {"token": TOKEN, "next": "/datasets"})
    assert "max-age=3600" in signed.headers["set-cookie"].lower()
    clock.now += 3599
    assert guarded.get("/datasets").status_code == 200
    clock.now += 2
    expired = guarded.get("/datasets")
    assert expired.status_code == 303 and expired.headers["location"] == "/login?next=/datasets"
    forged = f"{int(clock.now)}.nonce.{'0' * 64}"  # a fresh issue time without the key
    guarded.http.cookies.set("evalign_session", forged)
    assert guarded.get("/datasets").status_code == 303


def test_security_headers_on_every_response(sqlite_store: Store) -> None:
    seed(sqlite_store, run=False)
    settings = ServerSettings(max_body_bytes=1024)
    with live_server(sqlite_store, worker=False, token=TOKEN, settings=settings) as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        port = urlsplit(url).port
        answers = {
            "redirect": http.get("/datasets"),
            "unauthorized": http.get("/api/datasets"),
            "throttled-or-401": http.get("/api/datasets", headers={"Authorization": "Bearer x"}),
            "not found": http.get("/static/nope.css"),
            "too large": http.post("/login", content=b"x" * 4096),
            "foreign host": http.get("/healthz", headers={"Host": f"evil.example:{port}"}),
            "login page": http.get("/login"),
            "health": http.get("/healthz"),
        }
        auth = {"Authorization": f"Bearer {TOKEN}"}
        answers["api 404"] = http.get("/api/no/such", headers=auth)
        answers["page 404"] = http.get("/no/such", headers=auth)
    assert answers["redirect"].status_code == 303
    assert answers["unauthorized"].status_code == 401
    assert answers["too large"].status_code == 413
    assert answers["foreign host"].status_code == 400
    for name, answer in answers.items():
        missing = [h for h in SECURITY if h not in answer.headers]
        assert not missing, f"{name} ({answer.status_code}) lacks {missing}"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_pages_never_answer_with_raw_json(guarded: Client, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    guarded.form("/login", {"token": TOKEN})
    invalid = guarded.get("/runs/not-a-number")
    assert invalid.status_code == 422 and invalid.headers["content-type"].startswith("text/html")
    assert "run_id" in invalid.text
    assert guarded.get("/api/runs/not-a-number").json()["detail"][0]["loc"] == \
        ["path", "run_id"]

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("evalign.web.routes.home.overview", broken)
    with_bug = Client(guarded.app, raise_errors=False,
                      Authorization=f"Bearer {TOKEN}")
    page = with_bug.get("/")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "unexpected error" in page.text and "a bug" not in page.text
    assert all(h in page.headers for h in SECURITY)
    api = with_bug.get("/api/overview")
    assert api.status_code == 500 and api.json()["kind"] == "InternalError"
    with_bug.close()
