"""The alignment run page and history on a numeric scale show the stored 0–100 figures (test MAE
and rank correlations with intervals, trivial numeric baselines, the validation MAE and rubric
split of the curve, the split decompose kept); a pass/fail run's page shows none of them."""

from __future__ import annotations

import re
from typing import Any

from evalign.align import AlignConfig, execute_alignment, start_alignment
from evalign.judges.spec import JudgeSpec
from evalign.providers.scripted import ScriptedModel
from evalign.scores import ScoreConfig
from evalign.store import Store
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_judges import create_judge
from evalign.store.repo_writes import write_dataset
from evalign.web.templating import num
from evalign.web.worker import Worker
from tests.align.helpers import seed_rated
from tests.web.helpers import Client, text_of

SCALE = ScoreConfig(kind="numeric", min=0, max=100, threshold=50)
START = {"judge": "rater", "dataset": "rated", "reflection_model": "scripted/constant:unused",
         "strategies": ["calibrate"], "split": "0.5,0.25,0.25", "group_by": "question"}
CURVE_HEAD = ('<th>Strategy</th><th>Round</th><th class="num">Validation agreement</th>'
              '<th>Kept</th>')


def _mae(value: float) -> str:
    return f"{value:.1f}"


def _row(html: str, label: str) -> str:
    """The visible text of the first table row of `html` whose text starts with `label`."""
    for row in re.findall(r"<tr>.*?</tr>", html, flags=re.S):
        text = text_of(row).strip()
        if text.startswith(label):
            return text
    raise AssertionError(f"no row {label!r}")


def test_numeric_run_page_and_history_show_the_stored_mae(client: Client,
                                                         seeded: Store) -> None:
    seed_rated(seeded)
    run_id = client.post("/api/alignment/runs", json=START).json()["run"]
    assert Worker(seeded).run_once()
    run = client.get(f"/api/alignment/runs/{run_id}").json()
    assert run["status"] == "aligned", run["error"]
    out: dict[str, Any] = run["outcome"]
    base, cand = out["baseline"]["numeric"], out["candidate"]["numeric"]
    assert cand["mae"] < base["mae"] and not (out["raters"] or {}).get("candidate")  # one rater
    page = client.get(f"/alignment/runs/{run_id}").text
    assert 'id="mae-card"' in page and 'id="numeric-test"' in page
    card = text_of(page.split('id="mae-card"', 1)[1].split("</div></div>", 1)[0])
    assert _mae(cand["mae"]) in card and f"baseline {_mae(base['mae'])}" in card
    for label, fig in (("baseline rater@1", base), ("candidate (calibrate)", cand)):
        row = _row(page, label)
        lo, hi = fig["mae_ci"]
        assert f"{_mae(fig['mae'])} [{_mae(lo)}–{_mae(hi)}]" in row, row
        rlo, rhi = fig["spearman_ci"]
        assert f"{num(fig['spearman'])} [{rlo:.2f}–{rhi:.2f}]" in row, row
        assert num(fig["kendall"]) in row
    for name, fig in out["trivial_numeric"].items():
        row = _row(page, f"trivial: {name}")
        assert fig["description"] in row and _mae(fig["mae"]) in row
    # the curve: a validation MAE column, filled for calibrate's maps, the base judge and each
    # strategy's best row (no split: no column)
    assert '<th class="num">Validation MAE</th>' in page and "<th>Split</th>" not in page
    for point in out["validation"]["curve"]:
        if point.get("val_mae") is not None:
            label = " ".join(str(point[k]) for k in ("strategy", "method", "round") if
                             point.get(k) is not None)
            row = _row(page, label)
            assert _mae(point["val_mae"]) in row, row
    listing = text_of(client.get("/alignment/runs").text)
    assert f"MAE {_mae(base['mae'])} → {_mae(cand['mae'])} 0–100" in listing


def test_decompose_curve_shows_each_split_and_the_split_kept(client: Client,
                                                             seeded: Store) -> None:
    from tests.align.test_decompose_numeric import PROMPT, _model, _rows

    with seeded.session() as s:
        write_dataset(s, "facts", _rows(), Criteria(s, SCALE))
        create_judge(s, "teller", JudgeSpec(prompt=PROMPT, scale=SCALE, model="scripted/x"))
    run_id = start_alignment(seeded, "teller", AlignConfig(
        dataset="facts", group_by="question", strategies=("decompose",)))
    execute_alignment(seeded, run_id, models={"judge": ScriptedModel(_model),
                                              "reflection": ScriptedModel(_model)})
    out = client.get(f"/api/alignment/runs/{run_id}").json()["outcome"]
    choice = out["details"]["split_choice"]
    assert set(choice) == {"model", "rules"}
    page = client.get(f"/alignment/runs/{run_id}").text
    assert "<th>Split</th>" in page and '<th class="num">Validation MAE</th>' in page
    splits = {p["split"] for p in out["validation"]["curve"] if p.get("split")}
    assert splits == {"model", "rules"}
    point = next(p for p in out["validation"]["curve"] if p.get("split") == "rules")
    assert f"decompose {point['method']} {point['round']} rules — {_mae(point['val_mae'])}" \
        in text_of(page)
    kept = out["candidate_spec"]["checks"]["split"]
    shown = ", ".join(f"{k} {_mae(v)}" for k, v in choice.items())
    assert f"Rubric split kept: {kept} (validation MAE: {shown})." in text_of(page)
    assert f"candidate (decompose) {out['candidate']['numeric']['n']} " \
        f"{_mae(out['candidate']['numeric']['mae'])}" in text_of(page)


def test_a_pass_fail_run_page_keeps_its_display(client: Client, seeded: Store) -> None:
    run_id = client.post("/api/alignment/runs", json={
        **START, "judge": "gn", "dataset": "demo", "strategies": ["threshold"]}).json()["run"]
    assert Worker(seeded).run_once()
    out = client.get(f"/api/alignment/runs/{run_id}").json()["outcome"]
    assert out["candidate"]["numeric"] is None and out["trivial_numeric"] == {}
    page = client.get(f"/alignment/runs/{run_id}").text
    assert CURVE_HEAD in page
    for absent in ('id="mae-card"', 'id="numeric-test"', "Validation MAE", "<th>Split</th>",
                   'id="split-choice"', "MAE"):
        assert absent not in page, absent
    assert "Candidate on test" in page
    assert "Trivial baselines on the test items the candidate judged" in page
    assert "MAE" not in client.get("/alignment/runs").text
