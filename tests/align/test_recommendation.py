"""A candidate that does not beat the baseline judge and every trivial baseline on the test
split is not recommended, on every surface; the CLI suggests accepting only a recommended one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evalign.align.outcome import (
    candidate_label,
    conclusion,
    recommendation,
    train_mean_baseline,
)
from evalign.cli.app import app
from evalign.store import models as m
from evalign.store import open_store
from tests.align.helpers import seed_store
from tests.web.helpers import Client


def _outcome(candidate: float | None, baseline: float, length: float) -> dict[str, Any]:
    return {"candidate": {"agreement": candidate}, "baseline": {"agreement": baseline},
            "trivial_baselines": {"majority": {"description": "always pass", "agreement": 0.5},
                                  "length": {"description": "long passes",
                                             "agreement": length}}}


def test_the_rule() -> None:
    ok, why = recommendation(_outcome(0.9, 0.7, 0.8))
    assert ok and why.startswith("recommended")
    ok, why = recommendation(_outcome(0.58, 0.5, 0.83))  # the case
    assert not ok and "length baseline" in why and "83.0%" in why and "58.0%" in why
    assert not recommendation(_outcome(0.7, 0.7, 0.5))[0]  # a tie with the baseline is no gain
    assert not recommendation(_outcome(None, 0.7, 0.5))[0]


@pytest.fixture
def aligned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, Any]]:
    db = str(tmp_path / "e.db")
    store = open_store(db)
    seed_store(store)
    store.close()
    monkeypatch.setenv("EVALIGN_MODEL", "scripted/constant:- Be strict about every point.")
    done = CliRunner().invoke(app, ["align", "gn", "--dataset", "bench", "--group-by",
                                    "question", "--strategy", "threshold", "--db", db,
                                    "--json"])
    assert done.exit_code == 0, done.output
    data: dict[str, Any] = json.loads(done.stdout)
    return db, data


def _set_length_baseline(db: str, run: int, agreement: float) -> None:
    store = open_store(db)
    with store.session() as s:
        row = s.get(m.AlignmentRun, run)
        assert row is not None
        outcome = dict(row.outcome)
        outcome["trivial_baselines"] = {**outcome["trivial_baselines"], "length": {
            **outcome["trivial_baselines"]["length"], "agreement": agreement}}
        outcome["recommended"], outcome["recommendation"] = recommendation(outcome)
        row.outcome = outcome
    store.close()


def test_every_surface_says_not_recommended(aligned: tuple[str, dict[str, Any]]) -> None:
    db, data = aligned
    assert data["recommended"] == recommendation(data)[0]
    run = data["run"]
    _set_length_baseline(db, run, 1.0)  # no candidate beats a perfect length baseline
    status = CliRunner().invoke(app, ["align", "status", str(run), "--db", db])
    assert status.exit_code == 0, status.output
    text = " ".join(status.stdout.split())
    assert "not recommended" in text and "does not beat" in text
    assert "the trivial length baseline" in text
    assert f"evalign align accept {run}" not in text
    assert f"evalign align reject {run}" in text
    from evalign.web import create_app

    client = Client(create_app(open_store(db), worker=False))
    page = client.get(f"/alignment/runs/{run}").text
    assert 'id="recommendation">not recommended' in page
    assert 'class="big warn"' in page and 'class="primary" type="submit" id="accept"' not in page
    assert "not recommended" in client.get("/alignment/runs").text
    client.close()


def test_a_recommended_candidate_gets_the_accept_line(aligned: tuple[str, dict[str, Any]]
                                                      ) -> None:
    db, data = aligned
    run = data["run"]
    _set_length_baseline(db, run, 0.0)
    store = open_store(db)
    with store.session() as s:
        row = s.get(m.AlignmentRun, run)
        assert row is not None
        outcome = dict(row.outcome)
        outcome["candidate"] = {**outcome["candidate"], "agreement": 1.0}
        outcome["baseline"] = {**outcome["baseline"], "agreement": 0.5}
        outcome["trivial_baselines"] = {k: {**v, "agreement": 0.5}
                                        for k, v in outcome["trivial_baselines"].items()}
        row.outcome = outcome
    store.close()
    status = CliRunner().invoke(app, ["align", "status", str(run), "--db", db])
    text = " ".join(status.stdout.split())
    assert "recommended: the candidate's test agreement 100.0% beats" in text
    assert f"next: `evalign align accept {run}`" in text


def _numeric(base_mae: float, cand_mae: float, mean_mae: float) -> dict[str, Any]:
    return {"baseline": {"agreement": 0.8, "numeric": {"mae": base_mae}},
            "candidate": {"agreement": 0.8, "numeric": {"mae": cand_mae}},
            "trivial_baselines": {"majority": {"agreement": 0.67, "description": "always fail"}},
            "trivial_numeric": {"train_mean": {"mae": mean_mae, "description": "always 40"}}}


def test_a_numeric_candidate_is_judged_by_its_mae_not_its_pass_fail_agreement() -> None:
    ok, why = recommendation(_numeric(30.3, 24.5, 26.0))
    assert ok and "MAE 24.5" in why  # equal pass/fail agreement does not block it
    ok, why = recommendation(_numeric(30.3, 24.5, 20.0))
    assert not ok and "train_mean" in why and "MAE 20.0" in why
    ok, why = recommendation(_numeric(24.5, 24.5, 30.0))
    assert not ok and "baseline judge (MAE 24.5)" in why


def test_the_train_mean_baseline_needs_numeric_labels() -> None:
    assert train_mean_baseline([], []) is None


def test_numeric_trivial_baselines_include_a_line_over_length() -> None:
    from evalign.align.baselines import numeric_baselines
    from evalign.align.examples import Example
    from evalign.items import Item
    from evalign.scores import ScoreConfig

    scale = ScoreConfig(kind="numeric", min=0, max=100, threshold=50)

    def ex(chars: int, score: float) -> Example:
        return Example(Item({"question": "q"}, "x" * chars), score, scale)

    train = [ex(100 * k, 10.0 * k) for k in range(1, 8)]  # 0.1 point per character
    test = [ex(250, 25.0), ex(450, 45.0), ex(650, 60.0)]
    rows = numeric_baselines(train, test)
    assert rows["train_mean"]["mae"] == pytest.approx((15 + 5 + 20) / 3)
    assert rows["length"]["mae"] == pytest.approx(5 / 3) and rows["length"]["spearman"] == 1.0
    flat = [ex(100, 10.0 * k) for k in range(1, 5)]
    assert "length" not in numeric_baselines(flat, test)  # one length: no line to fit


def test_a_numeric_candidate_without_a_readable_baseline_still_faces_the_trivial_ones() -> None:
    outcome = _numeric(0.0, 22.05, 21.96)
    outcome["baseline"]["numeric"]["mae"] = None
    ok, why = recommendation(outcome)
    assert not ok and "train_mean" in why and "MAE 21.96" not in why and "MAE 22.0" in why
    outcome["trivial_numeric"]["train_mean"]["mae"] = 30.0
    ok, why = recommendation(outcome)
    assert ok and "no readable baseline score" in why


def test_a_gain_is_significant_only_when_both_paired_tests_say_so() -> None:
    from evalign.align.outcome import conclusion, significant

    # make demo's 16 test items: 7 gained, 1 lost; the bootstrap interval clears zero, the
    # exact McNemar test does not reach 0.05
    borderline = {"difference": 0.375, "difference_ci": [0.062, 0.688], "mcnemar_p": 0.0703}
    assert not significant(borderline)
    said = conclusion(borderline)
    assert said.startswith("not significant: the test difference +37.5%")
    assert "the interval excludes zero but McNemar's exact test does not reach p < 0.05" in said
    clear = {**borderline, "mcnemar_p": 0.008}
    assert significant(clear)
    assert conclusion(clear).startswith("the candidate agrees with humans significantly better")
    assert not significant({**clear, "difference_ci": [-0.05, 0.6]})


def test_the_candidate_label_names_an_order_policy_the_run_changed() -> None:
    changed = {"strategy": "base", "order_policy": {"chosen": "uncertain", "before": "tie"}}
    assert candidate_label(changed) == "base judge, order policy 'uncertain' (baseline: 'tie')"
    edited = {"strategy": "decompose", "order_policy": {"chosen": "tie", "before": "uncertain"}}
    assert candidate_label(edited) == "decompose, order policy 'tie' (before: 'uncertain')"
    kept = {"strategy": "decompose", "order_policy": {"chosen": "tie", "before": "tie"}}
    assert candidate_label(kept) == candidate_label({"strategy": "decompose"}) == "decompose"


def test_the_conclusion_says_undecided_verdicts_were_counted_as_misses() -> None:
    said = conclusion({"difference": 0.1, "difference_ci": [-0.1, 0.3], "mcnemar_p": 0.5,
                       "pairs": 28, "undecided_as_misses": {"baseline": 0, "candidate": 17}})
    assert "on 28 items both judged, 17 undecided verdicts counted as misses)" in said
