"""A throwaway PostgreSQL server for the test session (Debian's binaries, run as `postgres`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("EVALIGN_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    """Whether the server binaries are installed."""
    return (PG_BIN / "initdb").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(*args: str) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return list(args)


class PgServer:
    """Start with `start()`, stop with `stop()`; `url()` gives a database URL."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="evalign-pg-"))
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"

    def start(self) -> None:
        subprocess.run(_as_postgres(str(PG_BIN / "initdb"), "-A", "trust", "-U", "postgres",
                                    "-D", str(self.data)), check=True, capture_output=True)
        opts = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        subprocess.run(_as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", opts,
                                    "-l", str(self.dir / "log"), "-w", "start"),
                       check=True, capture_output=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not start")

    def create_database(self, name: str) -> str:
        """Create a fresh database and return its URL."""
        subprocess.run(_as_postgres(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p",
                                    str(self.port), "-U", "postgres", name),
                       check=True, capture_output=True)
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run(_as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                                    "stop"), capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
