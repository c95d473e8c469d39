"""Benchmark 7: 20 annotators posting labels through the web API for 60 s, SQLite and PostgreSQL.

    python -m bench.store_load [--seconds 60] [--annotators 20] [--backends sqlite postgres]

`evalign serve` runs in its own process over a fresh store holding the 96 bench rows; each
annotator walks the items in its own order, posting `POST /api/datasets/bench/labels` back to
back (after the last item it starts again, replacing its earlier labels). Afterwards the store
must hold exactly one label per (annotator, item) posted, with the value posted last: nothing
lost, nothing duplicated. Latency percentiles are over every request.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import sqlalchemy as sa

from bench.common import OUT, ROOT, machine, save, table
from bench.data import rows, write_jsonl
from bench.mock_provider import _free_port
from evalign import open_store
from evalign.data.importer import import_file
from evalign.store import models as m


async def annotator(
    client: httpx.AsyncClient,
    name: str,
    item_ids: list[int],
    until: float,
    latencies: list[float],
    posted: dict[tuple[str, int], str],
    failures: list[str],
) -> None:
    """Post labels back to back until `until`; remember the last value posted per item."""
    order = item_ids[:]
    random.Random(name).shuffle(order)
    i = 0
    while time.monotonic() < until:
        item = order[i % len(order)]
        value = "pass" if (i // len(order) + item) % 2 else "fail"
        started = time.perf_counter()
        response = await client.post(
            "/api/datasets/bench/labels",
            json={"item_id": item, "criterion": "default", "annotator": name, "value": value},
        )
        latencies.append(time.perf_counter() - started)
        if response.status_code == 200:
            posted[(name, item)] = value
        else:
            failures.append(f"{response.status_code} {response.text[:200]}")
        i += 1


def stored_labels(db: str, names: set[str]) -> list[tuple[str, int, Any]]:
    """Every label the bench's annotators hold in the store."""
    store = open_store(db)
    try:
        with store.session() as session:
            return [
                (a, i, v)
                for a, i, v in session.execute(
                    sa.select(m.Label.annotator, m.Label.item_id, m.Label.value).where(
                        m.Label.annotator.in_(names)
                    )
                )
            ]
    finally:
        store.close()


def item_ids(db: str) -> list[int]:
    """The ids of the bench dataset's items."""
    store = open_store(db)
    try:
        with store.session() as session:
            return list(session.scalars(sa.select(m.Item.id)))
    finally:
        store.close()


async def load(
    base: str, names: list[str], ids: list[int], seconds: float
) -> tuple[list[float], dict[tuple[str, int], str], list[str]]:
    """Run every annotator at once for `seconds`."""
    latencies: list[float] = []
    posted: dict[tuple[str, int], str] = {}
    failures: list[str] = []
    limits = httpx.Limits(max_connections=len(names))
    # a program's state-changing API requests carry X-Evalign-Request (docs/guide.md)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits,
                                 headers={"X-Evalign-Request": "1"}) as client:
        until = time.monotonic() + seconds
        await asyncio.gather(
            *[annotator(client, n, ids, until, latencies, posted, failures) for n in names]
        )
    return latencies, posted, failures


def serve(db: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start `evalign serve` on a free port; returns the process and its base URL."""
    port = _free_port()
    evalign = Path(sys.executable).with_name("evalign")
    proc = subprocess.Popen(
        [str(evalign), "serve", "--db", db, "--port", str(port), "--no-worker"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("evalign serve did not start")


def one_backend(db: str, annotators: int, seconds: float) -> list[object]:
    """Load one store through the web API and check every label; one table row."""
    store = open_store(db)
    try:
        import_file(store, write_jsonl(OUT / "rows-96.jsonl", rows(96)), "bench")
    finally:
        store.close()
    ids = item_ids(db)
    names = [f"bench-annotator-{i:02d}" for i in range(annotators)]
    proc, base = serve(db)
    try:
        latencies, posted, failures = asyncio.run(load(base, names, ids, seconds))
    finally:
        proc.terminate()
        proc.wait(20)
    labels = stored_labels(db, set(names))
    keys = [(a, i) for a, i, _ in labels]
    duplicated = len(keys) - len(set(keys))
    held = {(a, i): v for a, i, v in labels}
    lost = sum(1 for k, v in posted.items() if held.get(k) != v)
    invented = sum(1 for k in held if k not in posted)
    lat = np.array(latencies) * 1000
    return [
        len(latencies),
        round(len(latencies) / seconds, 1),
        len(posted),
        lost,
        duplicated,
        invented,
        len(failures),
        round(float(np.percentile(lat, 50)), 1),
        round(float(np.percentile(lat, 95)), 1),
        round(float(lat.max()), 1),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--annotators", type=int, default=20)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    args = parser.parse_args()
    out_rows = []
    for backend in args.backends:
        if backend == "sqlite":
            db = str(Path(tempfile.mkdtemp(prefix="evalign-load-")) / "load.db")
            out_rows.append(["SQLite", *one_backend(db, args.annotators, args.seconds)])
            continue
        sys.path.insert(0, str(ROOT))
        from tests import pgserver

        if not pgserver.available():
            print("PostgreSQL binaries missing: skipping the PostgreSQL row", flush=True)
            continue
        server = pgserver.PgServer()
        server.start()
        try:
            db = server.create_database("evalign_load")
            out_rows.append(["PostgreSQL", *one_backend(db, args.annotators, args.seconds)])
        finally:
            server.stop()
    text = table(
        f"Store under load: {args.annotators} annotators posting labels for {args.seconds:g} s "
        f"through the web API ({machine()})",
        [
            "store",
            "requests",
            "req/s",
            "labels held",
            "lost",
            "duplicated",
            "invented",
            "failed requests",
            "p50 ms",
            "p95 ms",
            "max ms",
        ],
        out_rows,
    )
    save("store_load", text)


if __name__ == "__main__":
    main()
