"""Ctrl+C on `evalign run`: the run keeps what finished, and the CLI names the run to resume.

The CLI runs in a child process against a slow OpenAI-compatible server; SIGINT (what Ctrl+C
sends) arrives once some verdicts are stored. The message must name the run's id, the run
must be stored as failed with those verdicts and the same advice, and `--resume` must finish
it without asking again what was answered.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from evalign.runner.details import run_summary
from evalign.store import open_store
from tests.providers.fake_openai_server import FakeOpenAI, completion
from tests.runner.helpers import add_evalsbench, add_judge

ITEMS = 12


def test_ctrl_c_names_the_run_and_resume_finishes_it(tmp_path: Path,
                                                      shared_datasets: Path) -> None:
    db = tmp_path / "e.db"
    store = open_store(db)
    add_evalsbench(store, shared_datasets, limit=ITEMS)
    add_judge(store, "j", "openai/m")
    store.close()
    with FakeOpenAI() as server:
        for _ in range(ITEMS):
            server.reply(200, completion("PASS"), delay=1.0)
        env = dict(os.environ, OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="x",
                   COLUMNS="200")
        child = subprocess.Popen(
            # Ctrl+C's default handling, which a test worker process may have switched off
            [sys.executable, "-c", "import signal; signal.signal(signal.SIGINT, "
             "signal.default_int_handler); from evalign.cli.app import main; main()", "run", "j",
             "--dataset", "eb", "--concurrency", "1", "--db", str(db)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(server.requests) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
        asked = len(server.requests)
        assert child.returncode != 0
        assert "interrupted: run 1 is stored as failed" in err, err
        assert "`evalign run --resume 1` finishes it" in err, err
        store = open_store(db, create=False)
        stopped = run_summary(store, 1)
        assert stopped.status == "failed"
        assert "--resume 1" in (stopped.error or "")
        kept = stopped.verdicts
        assert 0 < kept < ITEMS
        store.close()
        resumed = subprocess.run(
            [sys.executable, "-c", "from evalign.cli.app import main; main()", "run",
             "--resume", "1", "--db", str(db)],
            env=env, capture_output=True, text=True, timeout=120)
        assert resumed.returncode == 0, resumed.stderr
    store = open_store(db, create=False)
    summary = run_summary(store, 1)
    assert (summary.status, summary.verdicts) == ("completed", ITEMS)
    # the resumed session asked only for the items without a verdict
    assert len(server.requests) - asked <= ITEMS - kept
    store.close()
