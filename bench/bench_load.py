"""HTTP load test of POST /api/v1/checks with a real load generator (`hey`).

    apt-get install hey     # Debian's HTTP load generator (Go)
    .venv/bin/python bench/bench_load.py [--baseline-ref f762eec] [--seconds 10]

Runs gunicorn (gthread) against PostgreSQL on 127.0.0.1:5432 and measures,
for the working tree and (with --baseline-ref) for an older commit on the
same machine in the same run, one after the other:

1. throughput: as many 30-recipient, 5 KB-body checks as `--clients`
   connections can send (closed loop): checks/s, p50, p99;
2. latency at a fixed rate (--rate, default 300 checks/s): p50, p99, twice:
   as `hey -q` sends it (its --rate-clients connections tick together, so
   the checks arrive in bursts of 20 every 67 ms), and with the arrivals
   spread evenly (one `hey` per connection, started 1/rate s apart), as
   independent senders and constant-rate generators (wrk2, vegeta) do;
3. the same fixed rate while 8 clients keep sending 5 MB attachments
   (a CSV that an extraction worker must read and scan): the quick
   checks' p99 next to their p99 without the slow ones.

4. `safesend check` of one small text-only message (SQLite, a database
   already created): the best wall time and CPU time of --cli-runs.

Prints numbers; asserts nothing. The machine is shared: compare the two
code versions measured in the same run rather than figures across runs.
"server CPU" is the gunicorn processes' CPU time per check in the
throughput run (PostgreSQL's own CPU not included): the figure that load on
the machine disturbs least.
"""

from __future__ import annotations

import argparse
import base64
import csv
import http.client
import io
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from messages import check_request, eml_bytes, parents  # noqa: E402

PG_BASE = os.environ.get("SAFESEND_TEST_POSTGRES", "postgresql+psycopg://root@127.0.0.1:5432/test")
BIN = Path(sys.executable).parent


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_url() -> str:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with create_engine(PG_BASE).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{PG_BASE}?options=-csearch_path%3D{schema}"


def checkout(ref: str) -> Path:
    """The `service/` tree of an older commit, in a temp folder (for PYTHONPATH)."""
    target = Path(tempfile.mkdtemp(prefix="safesend-baseline-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "service"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / "service"


class Server:
    def __init__(self, code: Path | None, workers: int, threads: int):
        self.env = {**os.environ, "SAFESEND_DATABASE_URL": postgres_url(),
                    "SAFESEND_SECRET_KEY": "bench-secret", "SAFESEND_INSTANCE_PATH": tempfile.mkdtemp()}
        self.env.pop("SAFESEND_TESTING", None)
        if code is not None:
            self.env["PYTHONPATH"] = str(code)
        subprocess.run([sys.executable, "-m", "safesend.cli", "db", "upgrade"], env=self.env, check=True,
                       capture_output=True)
        self.key = subprocess.run([sys.executable, "-m", "safesend.cli", "apikey", "create", "--role",
                                   "client"], env=self.env, check=True, capture_output=True,
                                  text=True).stdout.strip().splitlines()[-1]
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [BIN / "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
             "-b", f"127.0.0.1:{self.port}", "--log-level", "warning", "safesend.wsgi:application()"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"server did not start; see {self.log.name}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the gunicorn master and its workers so far (Linux /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        pids = [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def _hey_argv(server: Server, body_file: str, seconds: float, clients: int, rate_per_client: float
              ) -> list[str]:
    argv = ["hey", "-z", f"{seconds}s", "-c", str(clients), "-m", "POST", "-T", "application/json",
            "-H", f"Authorization: Bearer {server.key}", "-D", body_file, "-o", "csv"]
    if rate_per_client:
        argv += ["-q", f"{rate_per_client:g}"]
    return [*argv, f"http://127.0.0.1:{server.port}/api/v1/checks"]


def _results(outputs: list[str]) -> tuple[int, list[float], int]:
    """(requests, latencies in ms, non-200 count) from hey's CSV outputs."""
    rows = [row for out in outputs for row in csv.DictReader(io.StringIO(out))]
    latencies = [float(r["response-time"]) * 1000 for r in rows]
    return len(rows), latencies, sum(1 for r in rows if r["status-code"] != "200")


def hey(server: Server, body_file: str, seconds: float, clients: int, rate_per_client: float = 0
        ) -> tuple[int, list[float], int]:
    """(requests, latencies in ms, non-200 count) from one `hey` run."""
    argv = _hey_argv(server, body_file, seconds, clients, rate_per_client)
    return _results([subprocess.run(argv, check=True, capture_output=True, text=True).stdout])


def hey_paced(server: Server, body_file: str, seconds: float, clients: int, rate: float
              ) -> tuple[int, list[float], int]:
    """hey at `rate` checks/s in all, its arrivals spread evenly: one single-connection hey
    per client, each at rate/clients, started 1/rate s after the one before."""
    argv = _hey_argv(server, body_file, seconds, 1, rate / clients)
    procs = []
    for _ in range(clients):
        procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, text=True))
        time.sleep(1 / rate)
    return _results([proc.communicate()[0] for proc in procs])


def slow_attachment() -> bytes:
    """A 5 MB CSV (synthetic names, no real data): read by a worker, then scanned."""
    lines = ["Student Number,First Name,Last Name,Grade,Notes"]
    size, i = 0, 0
    while size < 5 * 1024 * 1024:
        line = f"{100000 + i},Pat{i % 977},Lee{i % 613},{i % 12 + 1},meeting notes for the week {i}"
        lines.append(line)
        size += len(line) + 1
        i += 1
    return "\n".join(lines).encode()


def _slow_client(port: int, key: str, body: bytes, stop_at: float, queue) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    done = 0
    while time.time() < stop_at:
        conn.request("POST", "/api/v1/checks", body=body,
                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        conn.getresponse().read()
        done += 1
    queue.put(done)


def measure(label: str, code: Path | None, args, quick_body: str, slow_body: bytes) -> dict:
    server = Server(code, args.workers, args.threads)
    try:
        hey(server, quick_body, 3, args.clients)  # warm-up: workers, pools, caches
        cpu_before = server.cpu_seconds()
        count, lat, err = hey(server, quick_body, args.seconds, args.clients)
        cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / max(count, 1)
        result = {"label": label, "throughput": count / args.seconds, "p50": percentile(lat, .5),
                  "p99": percentile(lat, .99), "errors": err, "cpu_ms": cpu_ms}
        per_client = args.rate / args.rate_clients
        count, lat, err = hey(server, quick_body, args.seconds, args.rate_clients, per_client)
        result.update(rate=count / args.seconds, rate_p50=percentile(lat, .5), rate_p99=percentile(lat, .99),
                      rate_errors=err)
        count, lat, err = hey_paced(server, quick_body, args.seconds, args.rate_clients, args.rate)
        result.update(paced=count / args.seconds, paced_p50=percentile(lat, .5),
                      paced_p99=percentile(lat, .99), paced_errors=err)
        queue = multiprocessing.Queue()
        stop_at = time.time() + args.seconds + 5
        slow = [multiprocessing.Process(target=_slow_client, args=(server.port, server.key, slow_body,
                                                                    stop_at, queue)) for _ in range(8)]
        for proc in slow:
            proc.start()
        time.sleep(2)  # the slow checks are in flight
        count, lat, err = hey(server, quick_body, args.seconds, args.rate_clients, per_client)
        slow_done = sum(queue.get() for _ in slow)
        for proc in slow:
            proc.join()
        result.update(mixed_rate=count / args.seconds, mixed_p50=percentile(lat, .5),
                      mixed_p99=percentile(lat, .99), mixed_errors=err, slow_done=slow_done)
    finally:
        server.stop()
    return result


def cli_times(code: Path | None, runs: int) -> tuple[float, float]:
    """(wall, CPU) seconds of `safesend check small.eml`, each the best of `runs`,
    after one run that creates and migrates the instance's SQLite database."""
    folder = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    small = folder / "small.eml"
    small.write_bytes(eml_bytes(to=parents(3), subject="Field trip", body="See you Friday."))
    env = {k: v for k, v in os.environ.items() if k not in ("SAFESEND_DATABASE_URL", "SAFESEND_TESTING")}
    env.update(SAFESEND_INSTANCE_PATH=str(folder / "instance"), SAFESEND_SECRET_KEY="bench-secret")
    if code is not None:
        env["PYTHONPATH"] = str(code)
    argv = [sys.executable, "-m", "safesend.cli", "check", str(small)]
    subprocess.run(argv, env=env, check=True, capture_output=True)
    walls, cpus = [], []
    for _ in range(runs):
        before, started = os.times(), time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
        after = os.times()
        cpus.append((after.children_user - before.children_user)
                    + (after.children_system - before.children_system))
    return min(walls), min(cpus)


def report(r: dict) -> None:
    print(f"{r['label']}:")
    print(f"  throughput      {r['throughput']:6.0f} checks/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms"
          f"  non-200 {r['errors']}  server CPU {r['cpu_ms']:.1f} ms/check")
    print(f"  at fixed rate   {r['rate']:6.0f} checks/s  p50 {r['rate_p50']:6.1f} ms"
          f"  p99 {r['rate_p99']:6.1f} ms  non-200 {r['rate_errors']}  (hey -q: bursts)")
    print(f"  same, paced     {r['paced']:6.0f} checks/s  p50 {r['paced_p50']:6.1f} ms"
          f"  p99 {r['paced_p99']:6.1f} ms  non-200 {r['paced_errors']}  (arrivals spread evenly)")
    print(f"  + 8 x 5 MB      {r['mixed_rate']:6.0f} checks/s  p50 {r['mixed_p50']:6.1f} ms"
          f"  p99 {r['mixed_p99']:6.1f} ms  non-200 {r['mixed_errors']}"
          f"  ({r['slow_done']} attachment checks done)")
    if "cli_wall" in r:
        print(f"  safesend check  {r['cli_wall']:6.2f} s wall, {r['cli_cpu']:.2f} s CPU"
              f" (one small text-only message, best of {r['cli_runs']})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=16, help="threads per gunicorn worker")
    parser.add_argument("--clients", type=int, default=16, help="connections in the throughput run")
    parser.add_argument("--rate", type=float, default=300, help="checks/s in the fixed-rate runs")
    parser.add_argument("--rate-clients", type=int, default=20)
    parser.add_argument("--baseline-ref", help="also measure this commit (e.g. the code before a change)")
    parser.add_argument("--rounds", type=int, default=1, help="alternate baseline and working tree")
    parser.add_argument("--cli-runs", type=int, default=5, help="`safesend check` runs (0: skip)")
    args = parser.parse_args()
    if shutil.which("hey") is None:
        sys.exit("bench_load.py needs `hey`: apt-get install hey")
    body = json.dumps(check_request(to=parents(30), subject="504 plan meetings",
                                    body=("Dear families, the meeting is on Friday. " * 125)[:5000]))
    quick = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    quick.write(body)
    quick.close()
    slow_body = json.dumps(check_request(to=parents(3), attachments=[{
        "name": "list.csv", "content_type": "text/csv",
        "content_base64": base64.b64encode(slow_attachment()).decode()}])).encode()
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} at start; gunicorn {args.workers} "
          f"workers x {args.threads} threads (gthread); PostgreSQL; 30 recipients, "
          f"{len(body) // 1024} KB request")
    runs = [("working tree", None)]
    if args.baseline_ref:
        runs.insert(0, (f"baseline {args.baseline_ref}", checkout(args.baseline_ref)))
    for round_ in range(1, args.rounds + 1):  # alternate, so drifting load hits both alike
        for label, code in runs:
            result = measure(f"{label} (round {round_})", code, args, quick.name, slow_body)
            if args.cli_runs:
                result["cli_wall"], result["cli_cpu"] = cli_times(code, args.cli_runs)
                result["cli_runs"] = args.cli_runs
            report(result)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
