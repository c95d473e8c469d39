"""Every human ceiling names its basis, in one set of words (`stats.ceiling`).

An alignment outcome's ceiling reads every labeled item of its sources; a run's report reads
that run's items, so a held-out run's report reads the test items alone. The figures may
differ, so each surface (report JSON, text and HTML, the report API, the alignment page) says
which items, and how many, in the words `stats.ceiling.basis_words` gives; where the basis is
the same items (a run over the whole dataset), the figure is the outcome's, exactly.
"""

from __future__ import annotations

from pathlib import Path

from evalign.data.records import LabelIn, Row
from evalign.judges.spec import JudgeSpec
from evalign.store import open_store, repo_datasets
from evalign.store.repo_judges import create_judge
from evalign.web import create_app
from tests.align.helpers import PROMPT
from tests.align.helpers import rows as single_rows
from tests.cli_invoke import invoke, invoke_json
from tests.web.helpers import Client, text_of

ALIGN = ("--group-by", "question", "--strategy", "threshold",
         "--reflection-model", "scripted/constant:- Be strict.", "--json")


def _two_raters() -> list[Row]:
    """32 items, `ann` and `bob`; bob says the opposite on every fifth item."""
    out = []
    for k, row in enumerate(single_rows(16)):
        label = str(row.labels[0].value)
        other = label if k % 5 else ("fail" if label == "pass" else "pass")
        out.append(Row(row.item, (LabelIn("default", label, "ann"),
                                  LabelIn("default", other, "bob")), row.line))
    return out


def test_each_ceiling_says_its_items(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    store = open_store(db)
    with store.session() as s:
        repo_datasets.write_dataset(s, "bench", _two_raters(), repo_datasets.Criteria(s))
        create_judge(s, "hj", JudgeSpec(prompt=PROMPT, model="scripted/hash"))
    store.close()
    whole = invoke_json("run", "hj", "--dataset", "bench", "--db", db, "--json")["run"]
    outcome = invoke_json("align", "hj", "--dataset", "bench", *ALIGN, "--db", db)
    held = invoke_json("run", "hj", "--held-out", str(outcome["run"]), "--db", db,
                       "--json")["run"]
    test_items = len(outcome["test_items"])

    ceiling = outcome["human_ceiling"]
    assert ceiling["basis"] == "alignment" and ceiling["items"] == 32
    assert ceiling["basis_words"] == ("all 32 labeled items with several raters in the "
                                      "alignment's sources, not only its test split or sample")
    on_whole = invoke_json("report", str(whole), "--format", "json", "--db", db)["annotators"]
    on_held = invoke_json("report", str(held), "--format", "json", "--db", db)["annotators"]
    # the same items, the same function: the same figure
    assert (on_whole["items"], on_whole["ceiling"]) == (32, ceiling["agreement"])
    assert on_whole["basis_words"] == "the 32 items of this run with several raters"
    assert on_held["basis"] == "held_out_run" and on_held["items"] == test_items < 32
    assert on_held["basis_words"] == \
        f"the {test_items} held-out items of this run with several raters"

    code, text = invoke("report", str(held), "--db", db)
    assert code == 0 and on_held["basis_words"] in " ".join(text.split())
    code, html = invoke("report", str(held), "--format", "html", "--db", db)
    assert code == 0 and f"on {on_held['basis_words']}" in text_of(html)
    store = open_store(db)
    client = Client(create_app(store, worker=False))
    try:
        api = client.get(f"/api/runs/{held}/report").json()["annotators"]
        page = text_of(client.get(f"/alignment/runs/{outcome['run']}").text)
    finally:
        client.close()
        store.close()
    assert api["basis_words"] == on_held["basis_words"]
    assert f"on {ceiling['basis_words']}" in page
    agreement = invoke_json("agreement", "bench", "--json", "--db", db)
    assert agreement["basis_words"] == "all 32 labeled items of the dataset with several raters"
    assert agreement["ceiling"] == ceiling["agreement"]
