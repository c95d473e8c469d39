"""The run page's "scored higher / equal" counts are the report's (`numeric.judge_higher`,
`human_higher`, `equal`: the exact sign of judge − human on 0–100, no band)."""

from __future__ import annotations

from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.report.build import run_report
from evalign.runner.run import run_judge
from evalign.scores import ScoreConfig
from evalign.store import Store
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_judges import create_judge
from evalign.store.repo_writes import write_dataset
from evalign.web import create_app
from tests.web.helpers import Client, text_of

SCALE = ScoreConfig(kind="numeric", min=0, max=200, threshold=100)
# (human, judge) on 0–200: judge − human on 0–100 is +0.5, −0.5, 0, +50, −45
SCORES = [(100, 101), (100, 99), (100, 100), (50, 150), (150, 60)]


def test_run_page_direction_counts_are_the_reports(sqlite_store: Store) -> None:
    rows = [Row(Item({"question": f"q{k}", "truth": str(judge)}, f"answer {k}",
                     external_id=f"n{k}"), (LabelIn("overall", float(human)),), k + 1)
            for k, (human, judge) in enumerate(SCORES)]
    with sqlite_store.session() as s:
        write_dataset(s, "rated", rows, Criteria(s, SCALE))
        create_judge(s, "rater", JudgeSpec(prompt="Rate 0-200: {question} {output}",
                                           scale=SCALE, model="scripted/field:truth"))
    run_id = run_judge(sqlite_store, "rater", "rated").run
    numeric = run_report(sqlite_store, run_id, criterion="overall")["numeric"]
    client = Client(create_app(sqlite_store, worker=False))
    try:
        stats = client.get(f"/api/runs/{run_id}?criterion=overall").json()["stats"]
        page = text_of(client.get(f"/runs/{run_id}?criterion=overall").text)
    finally:
        client.close()
    shown = (stats["eval_higher"], stats["human_higher"], stats["equal"])
    assert shown == (numeric["judge_higher"], numeric["human_higher"], numeric["equal"])
    assert shown == (2, 2, 1)  # a half-point gap is a higher score, not "equal"
    assert "Eval scored higher (too lenient) 2" in page and "Equal 1" in page
