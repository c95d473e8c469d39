"""Benchmark: one process vs the Ray executor on a real Ray cluster of one and two nodes.

    python -m bench.ray_scale [--n 10000] [--latency-ms 200] [--in-flight 256]

The provider is `bench/mock_provider.py` in its own process (200 ms per call, 256 calls in
flight, no per-minute window). Ray runs as a real cluster on loopback: `ray start --head
--node-ip-address 127.0.0.1`, then a second `ray start --address …` with its own resources
(`{"node2": 1}`), each node declaring 2 CPUs; both are stopped at the end (their processes found
by the cluster's own temp folder, so no other Ray on the machine is touched).

Rows: the same N bench rows in one SQLite store, one run per line, answer cache off. For each:
wall time against the provider's limit (ceil(N / 256) x 200 ms), evalign's CPU per item (the
driver, the workers and the shared limiter; Ray's own daemons left out), and the peak resident
memory of the driver and of the largest worker. Last, a worker killed with SIGKILL mid-run on
the two-node cluster: every item must end with exactly one stored verdict, and the provider's
call counts must show no item stored before the kill called again.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import OUT, ROOT, machine, save, table
from bench.data import rows, write_jsonl
from bench.evalign_job import DATASET, JUDGE, prepare, verdicts
from bench.mock_provider import MockConfig, MockProcess, physical_limit
from bench.tools import evalign_env

RAY = Path(sys.executable).with_name("ray")


class Cluster:
    """A Ray cluster on loopback whose every process lives under its own temp folder."""

    def __init__(self, cpus: int = 2) -> None:
        self.cpus = cpus
        self.temp = Path(tempfile.mkdtemp(prefix="evalign-ray-"))
        self.port = 6300 + os.getpid() % 500
        self.address = f"127.0.0.1:{self.port}"

    def _ray(self, *args: str) -> None:
        subprocess.run([str(RAY), "start", *args, "--num-cpus", str(self.cpus),
                        "--node-ip-address", "127.0.0.1", "--temp-dir", str(self.temp),
                        "--disable-usage-stats"], check=True, capture_output=True, timeout=300,
                       env=ray_env())

    def start(self) -> Cluster:
        """Start the head node."""
        self._ray("--head", "--port", str(self.port), "--include-dashboard", "false")
        return self

    def add_node(self) -> None:
        """Start a second node that joins the head, with its own resource."""
        self._ray("--address", self.address, "--resources", json.dumps({"node2": 1}))

    def pids(self) -> list[int]:
        """Every process of this cluster: its temp folder is on the command line, or (for the
        agents, which retitle themselves) among the files it holds open."""
        mark = str(self.temp)
        return [pid for pid, line in _processes()
                if pid != os.getpid() and (mark.encode() in line or _holds(pid, mark))]

    def stop(self) -> None:
        """SIGTERM every process of the cluster, then SIGKILL what is left."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.pids():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            time.sleep(3)
        shutil.rmtree(self.temp, ignore_errors=True)


def _processes() -> list[tuple[int, bytes]]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found.append((int(entry.name), (entry / "cmdline").read_bytes()))
            except OSError:
                continue
    return found


def _holds(pid: int, prefix: str) -> bool:
    try:
        return any(os.readlink(fd).startswith(prefix) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


def _worker_pids() -> list[int]:
    return [pid for pid, line in _processes() if line.startswith(b"ray::ShardWorker")]


def ray_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for `ray start` and the drivers: Ray's token authentication on (the
    token is the user's, in ~/.ray), so a driver is not taken for an outsider."""
    return {**(base if base is not None else os.environ), "RAY_AUTH_MODE": "token"}


def _new_run(db: Path) -> int:
    from evalign import open_store
    from evalign.runner.run import create_run

    store = open_store(db)
    try:
        return create_run(store, JUDGE, DATASET, use_cache=False)
    finally:
        store.close()


def _job(args: list[str], url: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bench.ray_scale", *args], cwd=ROOT,
                            env=ray_env(evalign_env(url)), stdout=subprocess.PIPE, text=True)


def _result(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = proc.communicate(timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"bench job failed ({proc.returncode})")
    return dict(json.loads([ln for ln in out.splitlines() if ln.startswith("{")][-1]))


def scenario(label: str, db: Path, config: MockConfig, address: str | None,
             kill: bool = False) -> dict[str, Any]:
    """One run in a child process against a fresh mock; its figures, and the kill check."""
    run_id = _new_run(db)
    with MockProcess(config) as mock:
        args = ["single" if address is None else "drive", "--db", str(db), "--run", str(run_id)]
        proc = _job(args + (["--address", address] if address else []), mock.url)
        check: dict[str, Any] = {}
        if kill:
            check = _kill_one_worker(db, run_id, mock, proc)
        got = _result(proc)
        calls = mock.stats()["calls_per_key"]
    from evalign import open_store

    store = open_store(db)
    try:
        stored = verdicts(store, run_id)
    finally:
        store.close()
    got.update(label=label, stored=len(stored),
               errors=sum(bool(v["error"]) for v in stored.values()),
               called_twice=sum(n > 1 for n in calls.values()))
    if kill:
        got["stored_at_kill_called_again"] = sum(calls[k] != 1 for k in check["stored_at_kill"])
        got["stored_at_kill"] = len(check["stored_at_kill"])
    return got


def _kill_one_worker(db: Path, run_id: int, mock: MockProcess,
                     proc: subprocess.Popen[str]) -> dict[str, Any]:
    from evalign import open_store

    total = len(rows_cache)
    while mock.stats()["answered"] < total * 0.3:
        if proc.poll() is not None:
            raise RuntimeError("the run ended before the kill")
        time.sleep(0.2)
    victim = _worker_pids()[0]
    store = open_store(db)
    try:
        stored_at_kill = set(verdicts(store, run_id))
    finally:
        store.close()
    os.kill(victim, signal.SIGKILL)
    return {"stored_at_kill": stored_at_kill, "victim": victim}


rows_cache: list[dict[str, Any]] = []


def _single(db: Path, run_id: int) -> dict[str, Any]:
    import evalign.providers.openai  # noqa: F401  (imported before the clock, as the peers do)
    from evalign import open_store
    from evalign.runner.run import launch

    store = open_store(db)
    started, cpu = time.perf_counter(), _cpu()
    summary = launch(store, run_id)
    wall = time.perf_counter() - started
    return {"status": summary.status, "wall_s": wall, "driver_cpu_s": _cpu() - cpu,
            "workers_cpu_s": 0.0, "limiter_cpu_s": 0.0, "driver_rss_mb": _rss_mb(),
            "worker_rss_mb": 0.0, "workers": 0}


def _drive(db: Path, run_id: int, address: str) -> dict[str, Any]:
    import ray

    from evalign import open_store
    from evalign.runner.ray_executor import RayStats, execute_on_ray

    # Ray would turn 127.0.0.1 into this host's address, where the loopback cluster is not.
    ray.init(address=address, log_to_driver=False, namespace="evalign-bench",
             _node_ip_address="127.0.0.1")
    store = open_store(db)
    stats = RayStats()
    started, cpu = time.perf_counter(), _cpu()
    summary = execute_on_ray(store, run_id, stats=stats)
    wall = time.perf_counter() - started
    return {"status": summary.status, "wall_s": wall, "driver_cpu_s": _cpu() - cpu,
            "workers_cpu_s": stats.cpu_s, "limiter_cpu_s": stats.limiter.get("cpu_ms", 0) / 1000,
            "driver_rss_mb": _rss_mb(), "worker_rss_mb": max(stats.peak_rss_mb.values()),
            "workers": len(stats.peak_rss_mb), "shards": stats.shards,
            "skipped": stats.skipped, "limit_peak": stats.limiter.get("peak")}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", nargs="?", default="bench", choices=["bench", "single", "drive"])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--in-flight", type=int, default=256)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--run", type=int)
    parser.add_argument("--address")
    args = parser.parse_args()
    if args.action == "single":
        print(json.dumps(_single(args.db, args.run)), flush=True)
        return
    if args.action == "drive":
        print(json.dumps(_drive(args.db, args.run, args.address)), flush=True)
        return
    bench(args.n, args.latency_ms, args.in_flight)


def bench(n: int, latency_ms: float, in_flight: int) -> None:
    """Run the four lines and print (and save) the table."""
    from evalign import open_store

    rows_cache[:] = rows(n)
    db = Path(tempfile.mkdtemp(prefix="evalign-rayscale-")) / "bench.db"
    store = open_store(db)
    prepare(store, write_jsonl(OUT / f"rows-{n}.jsonl", rows_cache))
    store.close()
    config = MockConfig(latency_ms=latency_ms, max_in_flight=in_flight, keep_timeline=False)
    results = [scenario("one process", db, config, None)]
    cluster = Cluster().start()
    try:
        results.append(scenario("Ray, 1 node (2 CPUs)", db, config, cluster.address))
        cluster.add_node()
        results.append(scenario("Ray, 2 nodes (2+2 CPUs)", db, config, cluster.address))
        results.append(scenario("Ray, 2 nodes, a worker killed", db, config, cluster.address,
                                kill=True))
    finally:
        cluster.stop()
    limit = physical_limit(n, in_flight, latency_ms / 1000)
    lines = []
    for r in results:
        cpu = r["driver_cpu_s"] + r["workers_cpu_s"] + r["limiter_cpu_s"]
        lines.append([r["label"], r["status"], round(r["wall_s"], 1), round(limit, 1),
                      f"{r['wall_s'] / limit:.2f}x", round(cpu / n * 1000, 2),
                      round(r["driver_rss_mb"]), round(r["worker_rss_mb"]), r["workers"],
                      f"{r['stored']}/{n}", r["errors"], r["called_twice"],
                      r.get("stored_at_kill_called_again", "-")])
    text = table(
        f"Ray scale-out: N={n}, {latency_ms:g} ms/call, {in_flight} in flight ({machine()})",
        ["run", "status", "wall s", "limit s", "vs limit", "CPU ms/item", "driver MB",
         "worker MB", "workers", "stored", "errors", "items called twice",
         "stored before kill, called again"], lines)
    save("ray_scale", text)
    print(json.dumps(results, default=str), file=sys.stderr)


if __name__ == "__main__":
    main()
