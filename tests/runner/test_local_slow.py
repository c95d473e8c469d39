"""The Ragas baseline prompt on EvalsBench rows with the local 0.5B model stores p_pass (slow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalign import modelfiles
from evalign.runner import run_judge
from evalign.runner.details import run_detail
from evalign.store import Store
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_writes import write_dataset
from tests.runner.helpers import evalsbench_rows

pytestmark = pytest.mark.slow
SMALL = "qwen2.5-coder-0.5b"


def test_ragas_baseline_on_local_model_stores_p_pass(sqlite_store: Store,
                                                     shared_datasets: Path) -> None:
    if not modelfiles.is_present(SMALL):
        pytest.skip(f"{SMALL} is not pulled: run `evalign models pull {SMALL}`")
    pytest.importorskip("llama_cpp", reason="the [local] extra (llama-cpp-python) is missing")
    from evalign.data.records import LabelIn, Row
    from evalign.items import Item

    # The two shortest responses keep the prompt small on a shared 2-core machine.
    rows = sorted(evalsbench_rows(shared_datasets), key=lambda r: len(r["response"]))[:2]
    records = [Row(Item(inputs={"question": r["question"], "grading_notes": r["grading_notes"]},
                        output=r["response"], external_id=f"r{i}"),
                   (LabelIn("default", r["target"]),)) for i, r in enumerate(rows)]
    with sqlite_store.session() as session:
        write_dataset(session, "eb", records, Criteria(session))

    summary = run_judge(sqlite_store, "ragas-baseline", "eb", model=f"local/{SMALL}")
    assert (summary.status, summary.verdicts, summary.errors) == ("completed", 2, 0)
    for row in run_detail(sqlite_store, summary.run)["items"]:
        assert row["value"] in ("pass", "fail")
        assert row["p_pass"] is not None and 0.0 <= row["p_pass"] <= 1.0
    again = run_judge(sqlite_store, "ragas-baseline", "eb", model=f"local/{SMALL}")
    assert (again.calls, again.cached) == (0, 2)
