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


class Client:
    """A synchronous face over `httpx.AsyncClient` + `ASGITransport` (cookies persist)."""

    def __init__(self, app: FastAPI, **headers: str):
        self._loop = asyncio.Runner()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                      base_url="http://testserver", headers=headers)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request, run to completion."""
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
