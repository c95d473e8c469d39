"""Request bodies past the limits are refused (413) without being read; previews stay small."""

from __future__ import annotations

import io
import select
import socket
import time
import tracemalloc
from urllib.parse import urlsplit

import httpx

from evalign.store import Store
from evalign.web.settings import MIB, ServerSettings
from tests.web.helpers import API_HEADERS, seed
from tests.web.live import live_server

HUNDRED_MB = 100 * MIB
CHUNK = b"x" * (64 * 1024)


def _head(path: str, port: int, extra: str) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nX-Evalign-Request: 1\r\n{extra}\r\n").encode()


def _status(answer: bytes) -> int:
    return int(answer.split(b"\r\n", 1)[0].split(b" ")[1])


def test_a_declared_100_mb_body_is_refused_before_reading(sqlite_store: Store) -> None:
    seed(sqlite_store, run=False)
    with live_server(sqlite_store, worker=False) as url:
        port = urlsplit(url).port or 0
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            # only the headers and one byte are ever sent: an answer proves nothing waited
            sock.sendall(_head("/api/judges/gn/score", port, f"Content-Length: {HUNDRED_MB}\r\n")
                         + b"{")
            answer = b""
            while piece := sock.recv(65536):  # the server closes after answering
                answer += piece
    assert _status(answer) == 413
    assert b"larger than this server accepts (1 MiB)" in answer
    assert b"content-security-policy" in answer.lower()


def test_a_streamed_100_mb_body_is_cut_off(sqlite_store: Store) -> None:
    seed(sqlite_store, run=False)
    with live_server(sqlite_store, worker=False) as url:
        port = urlsplit(url).port or 0
        tracemalloc.start()
        try:
            sent, answer = _stream(port, "/api/judges/gn/score", HUNDRED_MB)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert _status(answer) == 413
    assert sent < 20 * MIB, f"the server read {sent} bytes before refusing"
    assert peak < 30 * MIB, f"{peak / MIB:.1f} MiB allocated while refusing"


def _stream(port: int, path: str, total: int) -> tuple[int, bytes]:
    """Send a chunked body of `total` bytes until the server answers; returns (sent, answer)."""
    frame = f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(_head(path, port, "Transfer-Encoding: chunked\r\n"))
        try:
            while sent < total and not select.select([sock], [], [], 0)[0]:
                sock.sendall(frame)
                sent += len(CHUNK)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection after answering
        deadline = time.monotonic() + 10
        answer = b""
        while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
            piece = sock.recv(65536)
            if not piece:
                break
            answer += piece
    return sent, answer


def test_uploads_have_their_own_limit(sqlite_store: Store) -> None:
    seed(sqlite_store, run=False)
    settings = ServerSettings(max_body_bytes=64 * 1024, max_upload_bytes=2 * MIB)
    row = b"question,response,label\n" + b"What is it?,A long enough answer,pass\n" * 40_000
    assert MIB < len(row) < 2 * MIB
    with live_server(sqlite_store, worker=False, settings=settings) as url, \
            httpx.Client(base_url=url, headers=API_HEADERS, timeout=60) as http:
        fits = http.post("/api/uploads/preview", files={"file": ("rows.csv", row)})
        assert fits.status_code == 200, fits.text
        big = http.post("/api/uploads/preview",
                        files={"file": ("rows.csv", row * 2)})
        assert big.status_code == 413 and big.json()["kind"] == "BodyTooLarge"
        label = http.post("/api/datasets/demo/labels", json={
            "item_id": 1, "annotator": "bob", "value": "pass", "reasoning": "x" * 100_000})
        assert label.status_code == 413
        page = http.post("/datasets/upload", content=b"x" * (3 * MIB),
                         headers={"Content-Type": "multipart/form-data; boundary=zz"})
        assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")


def test_a_preview_of_100000_columns_stays_small(sqlite_store: Store) -> None:
    seed(sqlite_store, run=False)
    columns = [f"c{i}" for i in range(100_000)]
    wide = (",".join(["question", "response", "label", *columns]) + "\n"
            + ",".join(["q?", "a.", "pass", *("1" for _ in columns)]) + "\n").encode()
    assert len(wide) > 800_000
    with live_server(sqlite_store, worker=False) as url, \
            httpx.Client(base_url=url, headers=API_HEADERS, timeout=120) as http:
        api = http.post("/api/uploads/preview", files={"file": ("wide.csv", wide)}).json()
        assert api["columns_total"] == 100_003 and len(api["columns"]) == 200
        assert all(len(r["inputs"]) <= 20 for r in api["preview"])
        http.get("/datasets/upload")
        csrf = http.cookies["evalign_csrf"]
        page = http.post("/datasets/upload", data={"csrf_token": csrf, "dataset": "wide"},
                         files={"file": ("wide.csv", io.BytesIO(wide))})
        assert page.status_code in (200, 422)
        assert len(page.content) < 200_000, f"{len(page.content)} bytes of preview page"
        assert "100003 columns" in page.text
