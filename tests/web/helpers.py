"""A labeled dataset, a scripted judge and its run, and an in-process client for web tests."""

from __future__ import annotations

import asyncio
import re
from html import unescape
from typing import Any

import httpx
from fastapi import FastAPI

from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.runner.run import run_judge
from evalign.store import Store
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_judges import create_judge
from evalign.store.repo_writes import write_dataset

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '<img src=x onerror="alert(2)">'
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
PROMPT = "Does the response answer the question?\nQuestion: {question}\nResponse: {response}"


def rows(n: int = 12) -> list[Row]:
    """n items labeled by alice; the scripted judge answers field `says` (wrong on 3 items)."""
    out = []
    for i in range(n):
        label = "pass" if i % 2 == 0 else "fail"
        says = label if i not in (1, 4, 7) else ("fail" if label == "pass" else "pass")
        output = f"Answer number {i}."
        if i == 2:
            output = f"Look: {XSS_SCRIPT} and {XSS_IMG}"
        item = Item({"question": f"Question {i}?", "says": says.upper()}, output,
                    external_id=f"q{i}")
        out.append(Row(item, (LabelIn("default", label, "alice", f"reason {i}"),), i + 1))
    return out


def seed(store: Store, *, name: str = "demo", n: int = 12, run: bool = True) -> None:
    """Dataset `name`, judge `gn` (answers the `says` field), and one completed run."""
    with store.session() as s:
        write_dataset(s, name, rows(n), Criteria(s))
        create_judge(s, "gn", JudgeSpec(prompt=PROMPT, model="scripted/field:says"))
    if run:
        run_judge(store, "gn", name)


API_HEADERS = {"X-Evalign-Request": "1"}
"""What a program sends with state-changing `/api` requests (a page of another site cannot)."""


class Client:
    """A synchronous face over `httpx.AsyncClient` + `ASGITransport` (cookies persist).

    It talks to the app as `http://127.0.0.1` (a Host the app answers to) and, like any API
    client, sends `X-Evalign-Request: 1` with state-changing `/api` requests unless
    `api_header=False` (for tests of that check). `address` is the client's address as the
    app sees it; `raise_errors=False` lets a test see the 500 the app answers to a bug.
    """

    def __init__(self, app: FastAPI, *, api_header: bool = True,
                 address: tuple[str, int] = ("127.0.0.1", 50000), raise_errors: bool = True,
                 **headers: str):
        self._loop = asyncio.Runner()
        self.app = app
        self.api_header = api_header
        transport = httpx.ASGITransport(app=app, client=address,
                                        raise_app_exceptions=raise_errors)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1",
                                      headers=headers)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request, run to completion."""
        if self.api_header and url.startswith("/api") and method.upper() not in SAFE:
            kwargs["headers"] = {**API_HEADERS, **(kwargs.get("headers") or {})}
        return self._loop.run(self.http.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def csrf(self) -> str:
        """The CSRF token (fetching a page first when the cookie is not set yet)."""
        if "evalign_csrf" not in self.http.cookies:
            self.get("/healthz")
        return str(self.http.cookies["evalign_csrf"])

    def form(self, url: str, data: dict[str, Any]) -> httpx.Response:
        """POST a form with the CSRF token, as a browser page would."""
        return self.post(url, data={"csrf_token": self.csrf(), **data})

    def close(self) -> None:
        self._loop.run(self.http.aclose())
        self._loop.close()


def text_of(html: str) -> str:
    """The page without tags, whitespace collapsed (for asserting on visible text)."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
