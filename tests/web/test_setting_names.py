"""Start errors name the setting as the caller spelled it: JSON fields on the web API, flags in
the CLI, from one validation in the library (`SettingError`)."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from evalign.align.config import AlignConfig
from evalign.errors import SettingError
from evalign.store import Store
from tests.cli_invoke import invoke
from tests.web.helpers import Client

START = {"judge": "gn", "dataset": "demo", "reflection_model": "scripted/constant:- Be strict.",
         "strategies": ["guidelines"], "split": "0.5,0.25,0.25", "group_by": "question",
         "budget_calls": 500}


def _api_error(client: Client, **change: object) -> str:
    answer = client.post("/api/alignment/runs", json={**START, **change})
    assert answer.status_code == 400, answer.text
    error: str = answer.json()["error"]
    assert "--" not in error, error  # no CLI flag on the web
    return error


def test_library_names_settings_neutrally() -> None:
    with pytest.raises(SettingError) as bad:
        AlignConfig(strategies=["bogus"])
    assert str(bad.value).startswith("strategies: unknown 'bogus'; choose from ")
    with pytest.raises(SettingError) as low:
        AlignConfig(sample=2, budget_calls=0)
    assert str(low.value) == ("budget_calls: must be greater than or equal to 1, not 0; "
                              "sample: must be greater than or equal to 4, not 2")


def test_api_errors_name_the_json_fields(client: Client) -> None:
    assert _api_error(client, strategies=["bogus"]).startswith("strategies: unknown 'bogus'")
    assert _api_error(client, sample=2).startswith("sample: must be greater than or equal to 4")
    assert _api_error(client, budget_calls=0).startswith("budget_calls: must be greater")
    assert _api_error(client, budget_usd=-1).startswith("budget_usd: must be greater than 0")
    assert "split" in _api_error(client, split="half")
    neither = _api_error(client, dataset="")
    assert neither == "dataset: give either dataset NAME or from_runs RUN (one or more)"
    both = _api_error(client, from_runs=[1])
    assert "from_runs" in both
    questions = _api_error(client, questions=["Is it kind?"])
    assert questions.startswith("questions: asked only by the decompose strategy; add "
                                "decompose to strategies")


def test_cli_errors_name_the_flags(seeded: Store) -> None:
    db = str(make_url(seeded.url).database)
    code, out = invoke("align", "gn", "--dataset", "demo", "--strategy", "bogus", "--db", db)
    assert code == 2 and out.startswith("--strategy: unknown 'bogus'; choose from "), out
    code, out = invoke("align", "gn", "--db", db)
    assert code == 2
    assert out == "--dataset: give either --dataset NAME or --from-run RUN (one or more)"
    code, out = invoke("align", "gn", "--dataset", "demo", "--budget-calls", "0", "--db", db)
    assert code == 2 and out.startswith("--budget-calls: must be greater than or equal to 1")
