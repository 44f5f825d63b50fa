"""A throwaway Postfix (Debian's package) with its own config, queue and log,
a local receiving SMTP server, and the gate as a subprocess. Used by the
gate tests and bench/bench_gate.py. Everything listens on 127.0.0.1 on free ports.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def postfix_missing() -> str | None:
    if not Path(POSTFIX).exists():
        return "Postfix is not installed: apt-get install postfix (CI's .ci/run does)"
    if os.geteuid() != 0:
        return "starting Postfix needs root"
    return None


@dataclass
class Delivery:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


class _Collect:
    def __init__(self, store: list[Delivery], lock: threading.Lock):
        self.store, self.lock = store, lock

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.store.append(Delivery(envelope.mail_from, list(envelope.rcpt_tos),
                                       bytes(envelope.original_content or envelope.content)))
        return "250 2.0.0 OK"


class Receiver:
    """The next hop: a local SMTP server that keeps every message it gets."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.messages: list[Delivery] = []
        self._lock = threading.Lock()
        self._controller = Controller(_Collect(self.messages, self._lock), hostname="127.0.0.1",
                                      port=self.port, decode_data=False, enable_SMTPUTF8=False,
                                      data_size_limit=100 * 1024 * 1024)
        self._controller.start()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self._lock:
            return list(self.messages)

    def stop(self) -> None:
        self._controller.stop()


@dataclass
class Postfix:
    """One Postfix instance: `postfix -c DIR start`, relaying everything to `relay_port`."""

    relay_port: int
    milter: str | None = None   # Postfix's spelling: inet:127.0.0.1:PORT or unix:/path
    fail_mode: str = "closed"
    port: int = field(default_factory=free_port)
    # More SMTP listeners, each with its own gate: one gate process per core (see bench_gate.py).
    extra_milters: list[str] = field(default_factory=list)
    # A before-queue content filter instead (bench only): smtpd_proxy_filter to this port,
    # which must send the message on to `after_port`, a listener without the filter.
    proxy_filter_port: int | None = None
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="safesend-postfix-")))

    def __post_init__(self):
        self.root.chmod(0o755)   # the postfix user must reach its queue
        self.config = self.root / "etc"
        self.config.mkdir()
        (self.root / "queue").mkdir()
        (self.root / "data").mkdir()
        shutil.chown(self.root / "data", "postfix", "postfix")
        self.maillog = self.root / "maillog"
        (self.config / "main.cf").write_text(self._main_cf())
        (self.config / "master.cf").write_text(self._master_cf())

    def _main_cf(self) -> str:
        lines = [
            "compatibility_level = 3.6",
            f"queue_directory = {self.root / 'queue'}",
            f"data_directory = {self.root / 'data'}",
            "mail_owner = postfix",
            "setgid_group = postdrop",
            "myhostname = relay.safesend.test",
            "mydomain = safesend.test",
            "mydestination =",
            "local_recipient_maps =",
            "alias_maps =",
            "alias_database =",
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "mynetworks = 127.0.0.0/8",
            "smtpd_relay_restrictions = permit_mynetworks, reject",
            f"relayhost = [127.0.0.1]:{self.relay_port}",
            "smtp_dns_support_level = disabled",
            "smtpd_peername_lookup = no",
            "smtputf8_enable = no",
            "smtp_tls_security_level = none",
            "smtpd_tls_security_level = none",
            f"maillog_file = {self.maillog}",
            f"maillog_file_prefixes = {self.root}",
            "message_size_limit = 52428800",
            "queue_run_delay = 1s",
            "minimal_backoff_time = 1s",
            "maximal_backoff_time = 2s",
            "biff = no",
            "smtpd_client_connection_count_limit = 0",
            "default_process_limit = 50",
        ]
        text = "\n".join(lines) + "\n"
        if self.milter is not None:
            from safesend.gate.postfix import main_cf

            text += main_cf(self.milter, self.fail_mode)
        return text

    def _master_cf(self) -> str:
        from safesend.gate.postfix import master_cf_smtp

        services = []
        for line in Path("/etc/postfix/master.cf").read_text().splitlines():
            fields = line.split()
            if not fields or line.startswith(("#", " ", "\t")) or len(fields) < 8:
                continue
            if fields[0] == "smtp" and fields[1] == "inet":
                continue
            if fields[7] == "pipe":
                continue
            fields[4] = "n"   # no chroot: the queue is in a temp folder
            services.append(" ".join(fields))
        self.extra_ports = [free_port() for _ in self.extra_milters]
        extra = "".join(master_cf_smtp(f"127.0.0.1:{port}").rstrip("\n")
                        + f" -o smtpd_milters={milter}\n"
                        for port, milter in zip(self.extra_ports, self.extra_milters, strict=True))
        main = master_cf_smtp(f"127.0.0.1:{self.port}")
        self.after_port = free_port()
        if self.proxy_filter_port is not None:
            main = main.rstrip("\n") + f" -o smtpd_proxy_filter=127.0.0.1:{self.proxy_filter_port}\n"
            extra += (master_cf_smtp(f"127.0.0.1:{self.after_port}").rstrip("\n")
                      + " -o smtpd_proxy_filter= -o smtpd_milters=\n")
        return main + extra + "\n".join(services) + "\n"

    def _postfix(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([POSTFIX, "-c", str(self.config), *args], capture_output=True,
                              text=True, timeout=60, check=check)

    def start(self) -> Postfix:
        result = self._postfix("start", check=False)
        if result.returncode != 0:
            message = f"postfix start failed: {result.stderr}{self.log()}"
            self.stop()   # removes the temp folder too
            raise RuntimeError(message)
        wait_for_port(self.port)
        return self

    def flush(self) -> None:
        self._postfix("flush", check=False)

    def queue_ids(self) -> list[str]:
        out = subprocess.run(["postqueue", "-c", str(self.config), "-j"], capture_output=True,
                             text=True, timeout=30).stdout
        return [line for line in out.splitlines() if line.strip()]

    def log(self) -> str:
        return self.maillog.read_text(errors="replace") if self.maillog.exists() else ""

    def stop(self) -> None:
        self._postfix("stop", check=False)
        pid_file = self.root / "queue" / "pid" / "master.pid"
        deadline = time.monotonic() + 10
        while pid_file.exists() and time.monotonic() < deadline:
            try:
                os.kill(int(pid_file.read_text().strip()), 0)
            except (OSError, ValueError):
                break
            time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)


def wait_for_socket(path: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.connect(str(path))
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {path} after {timeout}s")


class GateProcess:
    """`safesend gate` in its own process, as deployed (libmilter owns its process).
    `unix=True`: on a UNIX socket (group postfix, mode 660) instead of a TCP port."""

    def __init__(self, env: dict[str, str], port: int | None = None, unix: bool = False):
        self.port = port or free_port()
        self.env = {**os.environ, **env}
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="safesend-gate-", suffix=".log")[1])
        self.socket: Path | None = None
        if unix:
            folder = Path(tempfile.mkdtemp(prefix="safesend-gate-sock-"))
            folder.chmod(0o755)   # Postfix's smtpd (user postfix) must reach the socket
            self.socket = folder / "gate.sock"

    @property
    def milter(self) -> str:
        """Where Postfix finds this gate (smtpd_milters)."""
        from safesend.gate.postfix import milter_address

        return milter_address("127.0.0.1", self.port, str(self.socket) if self.socket else None)

    def start(self) -> GateProcess:
        log = self.log_path.open("ab")
        where = (["--socket", str(self.socket), "--socket-group", "postfix"] if self.socket
                 else ["--port", str(self.port)])
        self.proc = subprocess.Popen([str(VENV_BIN / "safesend"), "gate", *where],
                                     env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        try:
            if self.socket:
                wait_for_socket(self.socket, timeout=60)
            else:
                wait_for_port(self.port, timeout=60)
        except TimeoutError:
            self.stop()
            raise RuntimeError("the gate did not start:\n" + self.log()) from None
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        self.stop()
        self.log_path.unlink(missing_ok=True)
        if self.socket is not None:
            shutil.rmtree(self.socket.parent, ignore_errors=True)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
