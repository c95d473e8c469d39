"""`evalign align status` and `align history` on a numeric scale print the stored 0–100 figures:
baseline and candidate test MAE and rank correlations with their intervals, the trivial numeric
baselines, the validation curve's MAE and the MAE change in the history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.scores import ScoreConfig
from evalign.store import open_store
from tests.align.helpers import seed_rated, seed_store

SCALE = ScoreConfig(kind="numeric", min=0, max=100, threshold=50)
WIDE = {"COLUMNS": "300"}  # table cells print whole on one line


def _rated(path: str) -> None:
    """Dataset `rated` (24 items, humans 10–90) and judge `rater` that says human + 40."""
    store = open_store(path)
    seed_rated(store)
    store.close()


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env=WIDE)
    assert result.exit_code == 0, result.output
    return result.output


def _mae(value: float, ci: list[float] | None = None) -> str:
    return f"{value:.1f}" + (f" ({ci[0]:.1f}–{ci[1]:.1f})" if ci else "")


def test_status_and_history_show_the_stored_mae_figures(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "e.db")
    _rated(db)
    monkeypatch.setenv("EVALIGN_MODEL", "scripted/constant:unused")
    out = json.loads(_invoke("align", "rater", "--dataset", "rated", "--group-by", "question",
                             "--strategy", "calibrate", "--db", db, "--json"))
    base, cand = out["baseline"]["numeric"], out["candidate"]["numeric"]
    assert cand["mae"] < base["mae"] - 20  # the calibration moved the scores

    text = _invoke("align", "status", str(out["run"]), "--db", db)
    assert "on 0–100, test split" in text
    for label, fig in (("baseline rater@1", base), ("candidate (calibrate)", cand)):
        row = next(line for line in text.splitlines() if label in line and "%" not in line)
        assert _mae(fig["mae"], fig["mae_ci"]) in row, row
        lo, hi = fig["spearman_ci"]
        assert f"{fig['spearman']:.2f} ({lo:.2f}–{hi:.2f})" in row, row
        assert f"{fig['kendall']:.2f}" in row
    for name, row in out["trivial_numeric"].items():
        line = next(x for x in text.splitlines() if f"trivial: {name} — " in x and "%" not in x)
        assert row["description"] in line and _mae(row["mae"]) in line
    assert {"train_mean", "length"} <= set(out["trivial_numeric"])
    curve = [p for p in out["validation"]["curve"] if p.get("val_mae") is not None]
    assert curve, out["validation"]
    assert "validation MAE" in text
    for point in curve:
        if point.get("method"):
            line = next(x for x in text.splitlines() if f"calibrate ({point['method']})" in x)
        else:  # the base judge's row and each strategy's best row show their MAE too
            line = next(x for x in text.splitlines() if x.startswith(f"│ {point['strategy']} ")
                        and f"│ {point['round']} " in x)
        assert _mae(point["val_mae"]) in line, (point, line)
    assert {p["strategy"] for p in curve if not p.get("method")} == {"base", "calibrate"}

    history = _invoke("align", "history", "rater", "--db", db)
    assert f"MAE {base['mae']:.1f} → {cand['mae']:.1f}" in history
    rows = json.loads(_invoke("align", "history", "rater", "--db", db, "--json"))
    assert (rows[0]["baseline_mae"], rows[0]["candidate_mae"]) == (base["mae"], cand["mae"])


def test_a_pass_fail_status_and_history_show_no_numeric_figures(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "e.db")
    store = open_store(db)
    seed_store(store)
    store.close()
    monkeypatch.setenv("EVALIGN_MODEL", "scripted/constant:- Be strict about every point.")
    out = json.loads(_invoke("align", "gn", "--dataset", "bench", "--group-by", "question",
                             "--strategy", "threshold", "--db", db, "--json"))
    assert out["candidate"]["numeric"] is None and out["trivial_numeric"] == {}
    text = _invoke("align", "status", str(out["run"]), "--db", db)
    assert "on the test split" in text
    assert "0–100" not in text and "MAE" not in text and "validation curve" not in text
    history = _invoke("align", "history", "gn", "--db", db)
    assert "test agreement" in history and "MAE" not in history
    rows = json.loads(_invoke("align", "history", "gn", "--db", db, "--json"))
    assert rows[0]["candidate_mae"] is None
