"""`evalign run JUDGE --held-out ALIGN_RUN`: a judge run on exactly an alignment run's test split.

End to end through the CLI, as issue 13 checks alignment: import (here: written to the store)
a labeled dataset, align, accept, run the accepted judge on the held-out items, report. The
judge model is `scripted/hash` (PASS or FAIL from a hash of the rendered prompt): its agreement
is neither 0 nor 1, and the same prompt gives the same verdict, so the accepted judge's report
on the held-out run must repeat the alignment outcome's candidate test agreement exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalign.align.config import AlignConfig
from evalign.align.run import start_alignment
from evalign.judges.spec import JudgeSpec
from evalign.store import open_store, repo_datasets
from evalign.store.repo_judges import create_judge
from evalign.store.repo_listings import newest_runs
from evalign.store.repo_run_items import run_item_ids
from evalign.web.services.runs import run_page
from evalign.workflows.benchmarks import rerun
from evalign.workflows.held_out import create_held_out_run
from tests.align.helpers import PROMPT, rows
from tests.cli_invoke import invoke, invoke_json

ALIGN = ("--group-by", "question", "--strategy", "threshold",
         "--reflection-model", "scripted/constant:- Be strict.", "--json")


def _seed(db: str, *names: str) -> None:
    store = open_store(db)
    with store.session() as s:
        for name in names:
            repo_datasets.write_dataset(s, name, rows(16), repo_datasets.Criteria(s))
        create_judge(s, "hj", JudgeSpec(prompt=PROMPT, model="scripted/hash"))
    store.close()


def _aligned(db: str, *extra: str) -> dict[str, Any]:
    outcome: dict[str, Any] = invoke_json("align", "hj", "--dataset", "bench", *ALIGN, *extra,
                                    "--db", db)
    assert outcome["status"] == "aligned", outcome
    return outcome


def _judged(db: str, run: int) -> list[int]:
    return sorted(r["item_id"] for r in invoke_json("runs", "show", str(run), "--db", db,
                                              "--json")["items"])


def test_align_accept_run_held_out_report(db_url: str) -> None:
    _seed(db_url, "bench")
    outcome = _aligned(db_url)
    test = sorted(outcome["test_items"])
    assert len(test) == outcome["split"]["test"] == 8
    assert 0 < outcome["candidate"]["agreement"] < 1
    invoke_json("align", "accept", str(outcome["run"]), "--force", "--db", db_url, "--json")

    summary = invoke_json("run", "hj", "--dataset", "bench", "--held-out", str(outcome["run"]),
                    "--db", db_url, "--json")
    assert summary["status"] == "completed" and summary["judge"] == "hj@2"
    assert summary["items"] == summary["verdicts"] == 8
    assert summary["scope"] == {"kind": "held_out", "alignment_run": outcome["run"],
                                "part": "test", "dataset": "bench", "items": 8}
    run = summary["run"]
    assert _judged(db_url, run) == test

    report = invoke_json("report", str(run), "--format", "json", "--db", db_url)
    assert report["agreement"] == outcome["candidate"]["agreement"]
    assert report["comparisons"] == 8 and report["run"]["pending"] == 0
    assert report["run"]["scope"]["alignment_run"] == outcome["run"]

    # A finished run resumed stays as it is; so does a run made and resumed from nothing.
    assert invoke_json("run", "--resume", str(run), "--db", db_url, "--json")["verdicts"] == 8
    store = open_store(db_url)
    pending = create_held_out_run(store, "hj", outcome["run"], dataset="bench")
    store.close()
    resumed = invoke_json("run", "--resume", str(pending), "--db", db_url, "--json")
    assert resumed["items"] == resumed["verdicts"] == 8
    assert _judged(db_url, pending) == test


def test_web_page_listing_and_rerun_keep_to_the_held_out_items(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    _seed(db, "bench")
    outcome = _aligned(db)
    run = invoke_json("run", "hj", "--held-out", str(outcome["run"]), "--db", db, "--json")["run"]
    whole = invoke_json("run", "hj", "--dataset", "bench", "--db", db, "--json")
    assert whole["items"] == 32 and whole["scope"] is None
    store = open_store(db)
    page = run_page(store, run)
    assert page.stats.total == 8 and page.page.total == 8
    assert page.stats.agreement.rate == outcome["candidate"]["agreement"]
    again = rerun(store, run)  # the web's Re-run: the same held-out items, not the dataset
    with store.session() as s:
        totals = {r.id: r.total for r in newest_runs(s)}
        assert run_item_ids(s, again) == run_item_ids(s, run) == set(outcome["test_items"])
    store.close()
    assert totals == {run: 8, whole["run"]: 32, again: 8}


def test_refusals_say_what_to_do_and_make_no_run(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    _seed(db, "bench", "other")
    outcome = _aligned(db)
    aligned = str(outcome["run"])

    code, out = invoke("run", "hj", "--dataset", "other", "--held-out", aligned, "--db", db)
    assert code == 2 and "held out items of dataset 'bench', not 'other'" in out
    assert "--dataset bench" in out
    code, out = invoke("run", "hj", "--held-out", "999", "--db", db)
    assert code == 2 and "no alignment run 999" in out
    code, out = invoke("run", "--resume", "1", "--held-out", aligned, "--db", db)
    assert code == 2 and "drop --held-out" in out

    store = open_store(db)
    config = AlignConfig(dataset="bench", strategies=("threshold",))
    pending = start_alignment(store, "hj", config)
    store.close()
    code, out = invoke("run", "hj", "--held-out", str(pending), "--db", db)
    assert code == 2 and f"alignment run {pending} is pending" in out

    folds = _aligned(db, "--folds", "3")
    code, out = invoke("run", "hj", "--held-out", str(folds["run"]), "--db", db)
    assert code == 2 and "3-fold cross-validated" in out and "without --folds" in out

    store = open_store(db)
    with store.session() as s:  # `import --replace`: a new version, with new item ids
        repo_datasets.write_dataset(s, "bench", rows(16), repo_datasets.Criteria(s),
                                    mode="replace")
    store.close()
    code, out = invoke("run", "hj", "--dataset", "bench", "--held-out", aligned, "--db", db)
    assert code == 2 and "re-imported since alignment run" in out
    assert "version 1 (superseded)" in out and "Align again on the current version" in out
    assert invoke_json("runs", "list", "--db", db, "--json") == []
