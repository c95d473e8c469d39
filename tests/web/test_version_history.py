"""The run page's version history: each run's own figures on the items it judged.

A run restricted to some items (a held-out run) lists the dataset-wide run of the same judge
beside it: that row must carry the other run's own agreement and n (its page's, its
report's), never that run re-read on the restricted run's items under its own name.
"""

from __future__ import annotations

import asyncio

from evalign.report.build import run_report
from evalign.runner.run import execute
from evalign.store import Store, repo_runs
from evalign.store.repo_datasets import iter_items
from evalign.store.repo_items import get_dataset
from evalign.store.repo_judges import resolve
from evalign.store.repo_run_items import restrict_run
from evalign.web import create_app
from tests.web.helpers import Client, seed, text_of


def _restricted_run(store: Store, positions: list[int]) -> int:
    """A run of judge `gn` on the `demo` items at `positions` only, run to completion."""
    with store.session() as s:
        dataset = get_dataset(s, "demo")
        items = [i.id for i in iter_items(s, dataset.id)]
        version = resolve(s, "gn")
        run = repo_runs.create_run(s, judge_version_id=version.id, dataset_id=dataset.id,
                                   model="scripted/field:says", params={}, repeat=1,
                                   use_cache=False)
        restrict_run(s, run.id, [items[p] for p in positions if items[p] is not None],
                     {"kind": "held_out"})
        run_id = run.id
    asyncio.run(execute(store, run_id))
    return run_id


def test_history_rows_are_each_runs_own_figures(sqlite_store: Store) -> None:
    seed(sqlite_store)  # run 1: every item of `demo`, wrong on 3 of 12
    whole = 1
    held = _restricted_run(sqlite_store, [0, 2, 3])  # right on all three
    assert run_report(sqlite_store, whole)["agreement"] == 0.75
    client = Client(create_app(sqlite_store, worker=False))
    try:
        own = client.get(f"/api/runs/{whole}").json()["stats"]
        listed = {v["run_id"]: v for v in client.get(f"/api/runs/{held}").json()["versions"]}
        page = text_of(client.get(f"/runs/{held}").text)
    finally:
        client.close()
    assert own["aligned"] == listed[whole]["aligned"] == 0.75
    assert (listed[whole]["n"], listed[whole]["items"], listed[whole]["scope"]) == (12, 12, None)
    assert (listed[held]["aligned"], listed[held]["n"], listed[held]["items"]) == (1.0, 3, 3)
    assert listed[held]["scope"] == "held_out"
    assert "Each run's own figures, on the items it judged" in page
    assert "Aligned (its own items) n" in page
    assert f"#{whole} v1 completed 12 75.0% 12 " in page
    assert f"#{held} v1 completed 3 held out 100.0% 3 " in page
