"""Messages per second through Postfix + the gate, and the latency the gate adds.

    .venv/bin/python bench/bench_gate.py [--seconds 15] [--clients 4] [--gates 1]
                                         [--transport unix|tcp] [--kinds typical,5mb]
                                         [--database sqlite|postgres] [--mechanisms]

Runs as root (it starts Debian's Postfix with its own config on free loopback
ports). For each message kind it measures Postfix alone, then Postfix with
the gate as its milter: accepted messages per second with `--clients`
parallel SMTP senders, and the per-message SMTP transaction time (MAIL FROM
to the reply after DATA), whose difference is the latency the gate adds.
Every accepted message must reach the receiving server: the count is printed.
`--mechanisms` instead compares the two ways in without any checking: a
pass-through milter and a pass-through before-queue proxy (smtpd_proxy_filter).
One gate process uses one core (Python's GIL): `--gates N` runs N gates,
each behind its own Postfix SMTP listener, and spreads the senders over them.
`--transport`: Postfix reaches the gate over a UNIX socket (the default, as
README deploys it) or TCP on loopback. CPU seconds of the gate processes and
their children (user + system, from /proc) are printed per run: less noisy
than wall time on a shared machine.
Prints numbers; asserts nothing. Kinds: a typical staff message (12
recipients, 2 KB of text) and one with a 5 MB attachment.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]

from detect.synthetic import synthetic_roster, synthetic_text  # noqa: E402
from gate.mail import build  # noqa: E402
from gate.postfix_harness import GateProcess, Postfix, Receiver, free_port, wait_for_port  # noqa: E402

from messages import DISTRICT, TEACHER, parents, staff  # noqa: E402

SECRET = "bench-gate-secret"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def kinds() -> dict[str, tuple[bytes, list[str]]]:
    roster = synthetic_roster(200, seed=3)
    to = staff(8) + parents(4)
    typical = build(to=to, subject="Field trip on Friday", body=synthetic_text(2000, seed=1))
    attachment = synthetic_text(5 * 1024 * 1024, seed=2, roster=roster, name_rate=0.0).encode()
    big = build(to=to, subject="Minutes", body="The minutes are attached.\n",
                attachments=[("minutes.txt", "text/plain", attachment)])
    return {"typical": (typical, to), "5mb": (big, to)}


LABELS = {"typical": "typical", "5mb": "5 MB attachment"}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds so far of these processes (all threads) and their
    children (the extraction workers a gate starts for attachments)."""
    wanted, total = set(pids), 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue   # gone meanwhile
        if int(entry.name) in wanted or int(fields[1]) in wanted:   # fields[1]: parent pid
            total += int(fields[11]) + int(fields[12])   # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def prepare_store(database_url: str) -> dict[str, str]:
    from safesend.config import load_settings
    from safesend.fingerprint import derive_key
    from safesend.policy import parse_policy
    from safesend.roster_import import import_roster_file
    from safesend.services import build_services
    from safesend.store.db import transaction
    from safesend.store.policies import save_policy

    env = {"SAFESEND_DATABASE_URL": database_url, "SAFESEND_SECRET_KEY": SECRET,
           "SAFESEND_INSTANCE_PATH": tempfile.mkdtemp(prefix="safesend-bench-")}
    services = build_services(load_settings({k[9:].lower(): v for k, v in env.items()}))
    with transaction(services.sessions) as session:
        save_policy(session, "default", parse_policy({"internal_domains": [DISTRICT]}), author="bench")
        import_roster_file(session, "default", synthetic_roster(5000, seed=5).csv_text().encode(),
                           derive_key(SECRET, "roster"), None, "bench")
    services.close()
    return env


def _sender(port, raw: bytes, rcpts: list[str], deadline: float, out: list, lock) -> None:
    latencies, refused = [], 0
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                smtp.sendmail(TEACHER, rcpts, raw)
            except smtplib.SMTPResponseException:
                refused += 1
                smtp.rset()
                continue
            latencies.append((time.perf_counter() - start) * 1000)
    with lock:
        out.append((latencies, refused))


def run(port: int, raw: bytes, rcpts: list[str], clients: int, seconds: float):
    out: list = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    ports = port if isinstance(port, list) else [port]
    threads = [threading.Thread(target=_sender, args=(ports[i % len(ports)], raw, rcpts, deadline, out, lock))
               for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies = [x for lat, _ in out for x in lat]
    return latencies, sum(r for _, r in out), elapsed


def measure(label: str, port, receiver: Receiver, raw: bytes, rcpts: list[str], clients: int,
            seconds: float, pids: list[int] = ()) -> list[float]:
    before = len(receiver.wait_for(0, timeout=0))
    warm_up, _, _ = run(port, raw, rcpts, clients, min(2.0, seconds))   # processes, caches, roster
    cpu_before = cpu_seconds(pids)
    latencies, refused, elapsed = run(port, raw, rcpts, clients, seconds)
    cpu = cpu_seconds(pids) - cpu_before
    sent_total = len(warm_up) + len(latencies)   # accepted by Postfix, so owed to the receiver
    received = len(receiver.wait_for(before + sent_total, timeout=180)) - before
    print(f"  {label:<16} {len(latencies) / elapsed:7.1f} msg/s   p50 {percentile(latencies, .5):7.1f} ms"
          f"   p99 {percentile(latencies, .99):7.1f} ms   accepted {len(latencies)}  refused {refused}"
          f"   received {received}/{sent_total}")
    if pids and latencies:
        print(f"  {'':16} gate CPU {1000 * cpu / len(latencies):7.1f} ms/msg"
              f" ({cpu:.1f} s over {elapsed:.0f} s)   load average {_load()}")
    return latencies


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--gates", type=int, default=1, help="gate processes, one Postfix listener each")
    parser.add_argument("--mechanisms", action="store_true",
                        help="compare a pass-through milter and a pass-through proxy filter, no checks")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--transport", choices=["unix", "tcp"], default="unix",
                        help="how Postfix reaches the gate")
    parser.add_argument("--kinds", default="typical,5mb", help="comma-separated: typical, 5mb")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_gate.py starts Postfix: run it as root")
    database_url = (f"sqlite:///{tempfile.mkdtemp(prefix='safesend-bench-db-')}/safesend.db"
                    if args.database == "sqlite" else
                    os.environ.get("SAFESEND_BENCH_POSTGRES", "postgresql+psycopg://root@127.0.0.1:5432/test"))
    if args.mechanisms:
        mechanisms(args.clients, args.seconds)
        return
    env = prepare_store(database_url)
    print(f"Postfix + {args.gates} SafeSend gate(s) over {args.transport}, {args.clients} parallel "
          f"SMTP senders, {args.seconds:.0f} s per run, {os.cpu_count()} CPUs ({args.database}), "
          f"load average {_load()}; other work on this machine skews the numbers")
    receiver = Receiver()
    gates = [GateProcess(env, unix=args.transport == "unix").start() for _ in range(args.gates)]
    plain = Postfix(relay_port=receiver.port).start()
    gated = Postfix(relay_port=receiver.port, milter=gates[0].milter, fail_mode="closed",
                    extra_milters=[g.milter for g in gates[1:]]).start()
    gated_ports = [gated.port, *gated.extra_ports]
    pids = [g.proc.pid for g in gates]
    wanted = args.kinds.split(",")
    try:
        for name, (raw, rcpts) in kinds().items():
            if name not in wanted:
                continue
            print(f"{LABELS[name]} ({len(raw) / 1024:.0f} KB, {len(rcpts)} recipients)")
            base = measure("Postfix alone", plain.port, receiver, raw, rcpts, args.clients, args.seconds)
            with_gate = measure("Postfix + gate", gated_ports, receiver, raw, rcpts, args.clients,
                                args.seconds, pids)
            print(f"  added latency    p50 {percentile(with_gate, .5) - percentile(base, .5):7.1f} ms"
                  f"   p99 {percentile(with_gate, .99) - percentile(base, .99):7.1f} ms")
    finally:
        gated.stop()
        plain.stop()
        for gate in gates:
            gate.close()
        receiver.stop()


def mechanisms(clients: int, seconds: float) -> None:
    from gate_mechanisms import PassProxy, start_pass_milter

    print(f"Milter vs before-queue proxy filter, no checking; {clients} parallel SMTP senders, "
          f"{seconds:.0f} s per run, {os.cpu_count()} CPUs; other work on this machine skews the numbers")
    receiver = Receiver()
    milter_port, proxy_port = free_port(), free_port()
    milter = start_pass_milter(milter_port)
    wait_for_port(milter_port)
    plain = Postfix(relay_port=receiver.port).start()
    miltered = Postfix(relay_port=receiver.port, milter=f"inet:127.0.0.1:{milter_port}").start()
    proxied = Postfix(relay_port=receiver.port, proxy_filter_port=proxy_port).start()
    proxy = PassProxy(proxy_port, proxied.after_port)
    try:
        for name, (raw, rcpts) in kinds().items():
            print(f"{LABELS[name]} ({len(raw) / 1024:.0f} KB, {len(rcpts)} recipients)")
            base = measure("Postfix alone", plain.port, receiver, raw, rcpts, clients, seconds)
            for label, instance in (("pass milter", miltered), ("pass proxy", proxied)):
                lat = measure(label, instance.port, receiver, raw, rcpts, clients, seconds)
                print(f"  {'':16} added p50 {percentile(lat, .5) - percentile(base, .5):7.1f} ms"
                      f"   p99 {percentile(lat, .99) - percentile(base, .99):7.1f} ms")
    finally:
        proxy.stop()
        for instance in (proxied, miltered, plain):
            instance.stop()
        milter.terminate()
        milter.wait(timeout=10)
        receiver.stop()


if __name__ == "__main__":
    main()
