"""One import per dataset name at a time: the second is refused at once, on both databases."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
import sqlalchemy as sa

from evalign.errors import ConflictError
from evalign.store import Store
from evalign.store import models as m
from evalign.store.imports import claim_import


def test_a_second_claim_of_one_name_is_refused_until_the_first_ends(store: Store) -> None:
    with claim_import(store, "d"):
        with (pytest.raises(ConflictError, match="'d' is being imported by another process"),
              claim_import(store, "d")):
            pass
        with claim_import(store, "other"):  # other names are free
            pass
    with claim_import(store, "d"):  # released
        pass
    if store.dialect == "sqlite":
        with store.session() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(m.ImportClaim)) == 0


def test_a_claim_left_by_a_dead_process_is_taken_over(sqlite_store: Store) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    with sqlite_store.session() as session:
        session.add(m.ImportClaim(name="d", token="x", host=socket.gethostname(),
                                  pid=int(dead.stdout)))
    with claim_import(sqlite_store, "d"):
        pass


def test_a_live_claim_names_its_holder(sqlite_store: Store) -> None:
    with sqlite_store.session() as session:
        session.add(m.ImportClaim(name="d", token="x", host="elsewhere", pid=1))
    with (pytest.raises(ConflictError, match=r"pid 1 on elsewhere, since"),
          claim_import(sqlite_store, "d")):
        pass
