"""Reports from the store, on SQLite and PostgreSQL: exact counts on known answers."""

from __future__ import annotations

import pytest

from evalign.errors import ConfigError, NotFoundError
from evalign.report.build import dataset_agreement, disagreements, run_report
from evalign.store import Store
from tests.report.helpers import add_dataset, add_run

BALANCED = [{"human": "pass" if i % 2 == 0 else "fail"} for i in range(40)]


def test_constant_pass_on_balanced_set(store: Store) -> None:
    add_dataset(store, "bal", BALANCED)
    run = add_run(store, "bal", ["pass"] * 40)
    report = run_report(store, run)
    assert report["comparisons"] == 40 and report["cannot_compare"] == 0
    assert report["agreement"] == 0.5 and report["kappa"] == 0.0
    assert report["fail_recall"] == 0.0 and report["fail_precision"] is None
    assert report["confusion"] == {"tp": 20, "fn": 0, "tn": 0, "fp": 20}
    assert report["numeric"] is None and report["auc"] is None
    assert report["run"]["criterion"] == "default"
    assert len(report["disagreements"]) == 20
    assert {d["kind"] for d in report["disagreements"]} == {"fp"}


def test_paired_breakdown_and_errors(store: Store) -> None:
    add_dataset(store, "bal", BALANCED)
    base = add_run(store, "bal", ["pass"] * 40)
    truth = ["pass" if i % 2 == 0 else "fail" for i in range(40)]
    better = add_run(store, "bal", truth, errors={0})
    report = run_report(store, base, vs=better, by="topic")
    paired = report["paired"]
    assert paired["pairs"] == 39  # item 0 errored in the candidate
    assert len(paired["flipped_to_aligned"]) == 20 and paired["flipped_to_misaligned"] == []
    assert paired["difference"] == pytest.approx(20 / 39)
    assert paired["mcnemar_p"] < 1e-5
    rows = {r["group"]: r for r in report["breakdown"]["rows"]}
    assert rows["even"]["agreement"] == 1.0 and rows["odd"]["agreement"] == 0.0
    cand = run_report(store, better)
    assert cand["cannot_compare"] == 1 and cand["run"]["errors"] == 1


def test_several_annotators_and_consensus(store: Store) -> None:
    labels = [{"a": "pass", "b": "pass", "c": "fail"}, {"a": "fail", "b": "fail", "c": "fail"},
              {"a": "pass", "b": "fail", "c": "fail"}, {"a": "pass", "b": "pass", "c": "pass"}]
    add_dataset(store, "multi", labels)
    run = add_run(store, "multi", ["pass", "fail", "pass", "pass"])
    report = run_report(store, run, policy="per_label")
    assert report["comparisons"] == 12
    assert report["annotators"]["annotators"] == 3
    # per label, the judge beside the ceiling is the consensus headline, over its items
    assert report["annotators"]["judge_vs_consensus"] == 0.75
    assert report["annotators"]["judge_vs_consensus_items"] == 4
    assert report["annotators"]["items"] == 4
    consensus = run_report(store, run)  # the default: one comparison per item, the majority
    assert consensus["run"]["policy"] == "consensus"
    assert consensus["comparisons"] == 4 and consensus["agreement"] == 0.75
    assert "judge_vs_consensus" not in consensus["annotators"]  # the headline is that figure
    agreement = dataset_agreement(store, "multi")
    assert agreement["items"] == 4 and agreement["annotators"] == 3
    assert set(agreement["pairwise_cohen_kappa"]) == {"a|b", "a|c", "b|c"}
    assert agreement["krippendorff_level"] == "nominal"


def test_numeric_run_and_discrepancies(store: Store) -> None:
    add_dataset(store, "num", [{"r": v} for v in (10, 40, 60, 90, 50, 20)],
                scale="numeric:0:100:50")
    run = add_run(store, "num", [10, 45, 20, 91, 50, 70], scale="numeric:0:100:50",
                  p_pass=[0.1, 0.4, 0.3, 0.9, 0.6, 0.7])
    report = run_report(store, run)
    num = report["numeric"]
    assert num["equal"] == 2 and num["judge_higher"] == 3 and num["human_higher"] == 1
    assert num["discrepancy_pct"] == pytest.approx(100 * 2 / 6)
    assert report["auc"] is not None and report["calibration"]
    found = disagreements(store, run, kind="discrepancy")
    assert sorted(row["delta_100"] for row in found["items"]) == [-40.0, 50.0]
    assert {d["kind"] for d in disagreements(store, run)["items"]} == {"fn", "fp"}


def test_repeats_give_stability(store: Store) -> None:
    add_dataset(store, "rep", BALANCED[:4])
    run = add_run(store, "rep", [["pass", "pass"], ["fail", "pass"], ["pass", "pass"],
                                 ["fail", "fail"]], samples=2)
    report = run_report(store, run)
    assert report["comparisons"] == 4  # sample 0 only
    assert report["stability"]["not_unanimous"] == 1
    assert report["stability"]["mean_flip_rate"] == pytest.approx(0.125)


def test_criterion_rule(store: Store) -> None:
    add_dataset(store, "two", BALANCED[:4], criterion="tone")
    add_dataset(store, "two-b", BALANCED[:4], criterion="facts")
    with store.session() as s:
        from evalign.store import models as m

        items = s.query(m.Item).join(m.Dataset).filter(m.Dataset.name == "two").all()
        facts = s.query(m.Criterion).filter_by(name="facts").one()
        for item in items:
            s.add(m.Label(item_id=item.id, criterion_id=facts.id, annotator="h", value="fail"))
    run = add_run(store, "two", ["pass"] * 4)
    with pytest.raises(ConfigError, match="--criterion"):
        run_report(store, run)
    assert run_report(store, run, criterion="facts")["agreement"] == 0.0
    assert run_report(store, run, criterion="tone")["agreement"] == 0.5
    with pytest.raises(NotFoundError):
        run_report(store, 999)


def test_judges_ranked_and_unfinished_run_warned(store: Store) -> None:
    from evalign.report.build import judges_report
    from evalign.store import models as m

    add_dataset(store, "bal", BALANCED)
    weak = add_run(store, "bal", ["pass"] * 40, judge="weak")
    strong = add_run(store, "bal", ["pass" if i % 2 == 0 or i < 4 else "fail"
                                    for i in range(40)], judge="strong")
    ranked = judges_report(store, [weak, strong])
    assert [(r["group"], r["run"]) for r in ranked["rows"]] == [("strong@v1", strong),
                                                                ("weak@v1", weak)]
    assert ranked["rows"][0]["agreement"] == pytest.approx(38 / 40)
    with store.session() as s:
        s.get(m.Run, weak).status = "running"  # type: ignore[union-attr]
    report = run_report(store, weak)
    assert report["warnings"][0].startswith(f"run {weak} is running")
