"""A judge on the wrong scale for a dataset's labels is refused as such: the judge, the
dataset and its scale are named with the built-in judges that fit (not "--map FIELD=COLUMN")."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.errors import ConfigError
from evalign.judges.fit import fitting_builtins, scale_misfit
from evalign.scores import ScoreConfig

PAIRWISE = ScoreConfig.parse("pairwise")
PASS_FAIL = ScoreConfig.parse("pass_fail")
RATING = ScoreConfig.parse("numeric:0:100:50")


def _pairwise_db(tmp_path: Path) -> str:
    """An LLMBar-shaped pairwise dataset `pw` (input, output_1, output_2, label 1 or 2)."""
    rows = [{"id": f"r{i}", "input": f"instruction {i}", "output_1": f"first {i}",
             "output_2": f"second {i}", "label": 1 + i % 2} for i in range(12)]
    path = tmp_path / "pw.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    db = str(tmp_path / "e.db")
    result = CliRunner().invoke(app, ["import", str(path), "--dataset", "pw", "--db", db])
    assert result.exit_code == 0, result.output
    return db


def test_a_pass_fail_judge_on_pairwise_labels_names_the_pairwise_judge() -> None:
    why = scale_misfit("grading-notes@1", PASS_FAIL, "llmbar", {"preference": PAIRWISE},
                       command="align")
    assert why is not None
    assert "judge grading-notes@1 answers on pass_fail" in why
    assert "dataset 'llmbar' is pairwise" in why and "criterion preference" in why
    assert "`evalign align pairwise-preference --dataset llmbar`" in why
    assert "--map" not in why


def test_judges_that_fit_come_first_in_the_labels_own_family() -> None:
    assert fitting_builtins({"preference": PAIRWISE}) == ["pairwise-preference"]
    numeric = fitting_builtins({"overall": RATING})
    # the star and 0–100 judges before the pass/fail ones, which compare through a threshold
    assert numeric[:2] == ["helpfulness", "reference-rating"], numeric
    assert "grading-notes" in numeric and "pairwise-preference" not in numeric
    why = scale_misfit("p@1", PAIRWISE, "sq", {"overall": RATING})
    assert why is not None and "built-in helpfulness, reference-rating, " in why


def test_no_refusal_when_some_label_fits_none_exists_or_all_are_text() -> None:
    assert scale_misfit("j@1", PASS_FAIL, "d", {"overall": RATING}) is None
    assert scale_misfit("j@1", PAIRWISE, "d", {"stray": PASS_FAIL, "pref": PAIRWISE}) is None
    assert scale_misfit("j@1", PASS_FAIL, "d", {}) is None
    assert scale_misfit("j@1", PASS_FAIL, "d", {"notes": ScoreConfig.parse("text")}) is None


def test_run_and_align_refuse_the_wrong_judge_before_its_fields(tmp_path: Path) -> None:
    db = _pairwise_db(tmp_path)
    runner = CliRunner()
    for command in (["run", "grading-notes", "--dataset", "pw", "--model",
                     "scripted/constant:PASS"],
                    ["align", "grading-notes", "--dataset", "pw", "--group-by", "input",
                     "--judge-model", "scripted/constant:PASS", "--reflection-model",
                     "scripted/constant:PASS"]):
        result = runner.invoke(app, [*command, "--db", db])
        # the app raises; `cli.app.main` turns a ConfigError into its message and exit 2
        assert isinstance(result.exception, ConfigError), result.output
        assert result.exception.exit_code == 2
        text = str(result.exception)
        assert "judge grading-notes@1 answers on pass_fail" in text, text
        assert "dataset 'pw' is pairwise" in text, text
        assert f"`evalign {command[0]} pairwise-preference --dataset pw`" in text, text
        assert "--map" not in text, text
    listing = runner.invoke(app, ["runs", "list", "--json", "--db", db])
    assert listing.exit_code == 0 and json.loads(listing.stdout) == [], listing.output
    fits = runner.invoke(app, ["run", "pairwise-preference", "--dataset", "pw", "--model",
                               "scripted/constant:1", "--db", db])
    assert fits.exit_code == 0, fits.output


def test_the_example_names_a_built_in_whose_template_the_items_fill() -> None:
    # for pass/fail labels on question/grading_notes/response items, not `faithfulness`
    # (its {context} is missing) but a judge the command would run
    fits = fitting_builtins({"default": PASS_FAIL}, {"question", "grading_notes", "response"})
    assert fits[0] == "grading-notes", fits
    why = scale_misfit("pairwise-preference@1", PAIRWISE, "eb", {"default": PASS_FAIL},
                       fields={"question", "grading_notes", "response"})
    assert why is not None and "`evalign run grading-notes --dataset eb`" in why
