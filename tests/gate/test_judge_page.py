"""The judge page and its JSON twin show the judge's calibration records."""

from __future__ import annotations

from pathlib import Path

from evalign.calibration import gate
from evalign.store import Store
from evalign.web import create_app
from evalign.workflows.judge_catalog import edit
from tests.gate.helpers import PROMPT, seed
from tests.web.helpers import Client


def test_judge_page_lists_calibrations(sqlite_store: Store, tmp_path: Path) -> None:
    seed(sqlite_store, tmp_path)
    client = Client(create_app(sqlite_store, worker=False))
    try:
        page = client.get("/judges/good")
        assert page.status_code == 200 and "Not calibrated" in page.text
        assert gate(sqlite_store, "good", "gold", min_kappa=0.5, calibrate=True).passed
        data = client.get("/api/judges/good").json()
        (record,) = data["calibrations"]
        assert record["judge"] == "good@1" and record["figures"]["agreement"] == 1.0
        assert record["matches_versions"] == [1]
        edit(sqlite_store, "good", prompt="Strict. " + PROMPT)
        page = client.get("/judges/good")
        assert "good@1" in page.text and "1 (0.91–1)" in page.text and "run #" in page.text
        assert client.get("/api/judges/good").json()["calibrations"][0]["matches_versions"] == [1]
    finally:
        client.close()
