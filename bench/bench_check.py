"""Check latency in process, and HTTP checks per second with several workers.

    .venv/bin/python bench/bench_check.py [--seconds 8] [--workers 2 4] [--database sqlite|postgres]

Prints numbers; asserts nothing. Messages carry 30 and 500 recipients.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from messages import DISTRICT, check_request, message, parents  # noqa: E402
from safesend.engine import check  # noqa: E402
from safesend.policy import parse_policy  # noqa: E402

POLICY = parse_policy({"internal_domains": [DISTRICT]})


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_in_process(recipients: int, runs: int = 2000) -> None:
    msg = message(to=parents(recipients), subject="504 plan meetings",
                  body="Dear families, " * 200)
    for _ in range(50):
        check(msg, POLICY)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        check(msg, POLICY)
        samples.append((time.perf_counter() - start) * 1e6)
    print(f"in-process check(), {recipients:>3} recipients: p50 {percentile(samples, .5):7.0f} us"
          f"   p99 {percentile(samples, .99):7.0f} us   ({runs} runs)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _client(port: int, key: str, body: bytes, seconds: float, queue) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        conn.request("POST", "/api/v1/checks", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            errors += 1
        latencies.append((time.perf_counter() - start) * 1000)
    queue.put((latencies, errors))


def bench_http(workers: int, recipients: int, seconds: float, database_url: str, clients: int) -> None:
    env = {**os.environ, "SAFESEND_DATABASE_URL": database_url,
           "SAFESEND_SECRET_KEY": "bench-secret", "SAFESEND_INSTANCE_PATH": tempfile.mkdtemp()}
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "safesend", "db", "upgrade"], env=env, check=True, capture_output=True)
    key = subprocess.run([bin_dir / "safesend", "apikey", "create", "--role", "client"], env=env,
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [bin_dir / "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", "4",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "safesend.wsgi:application()"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(port)
        body = json.dumps(check_request(to=parents(recipients), subject="504 plan meetings")).encode()
        queue = multiprocessing.Queue()
        procs = [multiprocessing.Process(target=_client, args=(port, key, body, seconds, queue))
                 for _ in range(clients)]
        for proc in procs:
            proc.start()
        results = [queue.get() for _ in procs]
        for proc in procs:
            proc.join()
    finally:
        server.terminate()
        server.wait(timeout=10)
    latencies = [lat for lats, _ in results for lat in lats]
    errors = sum(err for _, err in results)
    print(f"HTTP gunicorn {workers} workers x 4 threads, {clients} clients, {recipients:>3} recipients: "
          f"{len(latencies) / seconds:7.0f} checks/s   p50 {statistics.median(latencies):6.1f} ms"
          f"   p99 {percentile(latencies, .99):6.1f} ms   errors {errors}")


def _wait_ready(port: int) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def postgres_url() -> str:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    from sqlalchemy import create_engine, text

    base = "postgresql+psycopg://root@127.0.0.1:5432/test"
    with create_engine(base).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{base}?options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for count in (30, 500):
        bench_in_process(count)
    for workers in args.workers:
        for count in (30, 500):
            url = (postgres_url() if args.database == "postgres"
                   else f"sqlite:///{tempfile.mkdtemp()}/bench.db")
            bench_http(workers, count, args.seconds, url, args.clients)


if __name__ == "__main__":
    main()
