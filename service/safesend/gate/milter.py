"""The gate as a milter (pymilter on Debian's libmilter).

Postfix streams each message to the milter while the sending server waits;
at end of message the gate decides and answers accept (adding the
X-SafeSend header), reject with a 5.7.1 text, or tempfail. The milter
never changes the body, so DKIM signatures stay valid. libmilter serves each
SMTP connection on its own thread; state is per connection and reset for
every message (MAIL FROM), as one connection may carry several.

Round trips: the gate only collects the envelope, headers and body, so it
negotiates "no reply" for those steps and "no callback" for connect, HELO,
DATA and unknown commands (pymilter's @noreply / @nocallback). Postfix then
streams a message without waiting and waits once, for the end-of-message
answer, instead of once per recipient, header line and body chunk.
"""

from __future__ import annotations

import grp
import logging
import os
import socket

import Milter
import milter as libmilter

from .decide import Decision, Gate
from .stamp import HEADER

log = logging.getLogger("safesend.gate")
MAX_REPLY_LINES = 32   # libmilter's limit for a multi-line reply
NAME = "safesend-gate"


class GateMilter(Milter.Base):
    gate: Gate   # set by serve() before the first connection

    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        self.mail_from = ""
        self.rcpt_to: list[str] = []
        self.raw = bytearray()
        self.stamps: list[str] = []

    # connect, hello, data and unknown stay Milter.Base's @nocallback: Postfix skips them.

    @Milter.noreply
    def envfrom(self, mail_from, *params):
        self._reset()
        self.mail_from = mail_from
        return Milter.CONTINUE

    @Milter.noreply
    def envrcpt(self, rcpt, *params):
        self.rcpt_to.append(rcpt)
        return Milter.CONTINUE

    def header_bytes(self, name, value):
        # libmilter calls this one; the value's bytes are kept as sent (decoding would
        # alter 8-bit headers). `header` below only declares the step and its no-reply.
        self._add_header(name, value)
        return Milter.NOREPLY if self._protocol & Milter.P_NR_HDR else Milter.CONTINUE

    @Milter.noreply
    def header(self, name, value):
        self._add_header(name, value)
        return Milter.CONTINUE

    def _add_header(self, name, value) -> None:
        name = name if isinstance(name, str) else name.decode("ascii", "replace")
        value = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
        self.raw += name.encode("ascii", "replace") + b": "
        self.raw += value.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"\r\n"
        if name.lower() == HEADER.lower():
            self.stamps.append(value.decode("ascii", "replace"))

    @Milter.noreply
    def eoh(self):
        self.raw += b"\r\n"
        return Milter.CONTINUE

    @Milter.noreply
    def body(self, chunk):
        self.raw += chunk
        return Milter.CONTINUE

    def eom(self):
        stamp = self.stamps[-1] if self.stamps else None
        decision = self.gate.decide(bytes(self.raw), self.mail_from, self.rcpt_to, stamp)
        return self._answer(decision)

    def abort(self):
        self._reset()
        return Milter.CONTINUE

    def close(self):
        return Milter.CONTINUE

    def _answer(self, decision: Decision):
        if decision.kind == "accept":
            if decision.header:
                self._set_header(decision.header)
            return Milter.ACCEPT
        lines = [line.replace("%", "%%") for line in decision.lines[:MAX_REPLY_LINES]] or [""]
        self.setreply(decision.code, decision.status, *lines)
        return Milter.REJECT if decision.kind == "reject" else Milter.TEMPFAIL

    def _set_header(self, value: str) -> None:
        """One X-SafeSend header naming the check: replace any the message came with."""
        if not self.stamps:
            self.addheader(HEADER, value)
            return
        self.chgheader(HEADER, 1, value)
        for index in range(len(self.stamps), 1, -1):
            self.chgheader(HEADER, index, None)   # None deletes it


def libmilter_address(host: str, port: int, socket_path: str | None) -> str:
    """libmilter's spelling: `unix:/path` or `inet:port@host`."""
    return f"unix:{socket_path}" if socket_path else f"inet:{port}@{host}"


def serve(gate: Gate, address: str, timeout: int = 600, socket_mode: int = 0o660,
          socket_group: str | None = None) -> None:
    """Listen for Postfix at `address` (libmilter_address) until SIGTERM or SIGINT
    (libmilter handles both)."""
    GateMilter.gate = gate
    Milter.factory = GateMilter
    Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS)
    # Opened before serving to set what libmilter does not: the UNIX socket's mode and
    # group, TCP_NODELAY on TCP. runmilter() then serves on it (libmilter keeps one listener).
    libmilter.setconn(address)
    libmilter.register(NAME)
    libmilter.opensocket(True)   # True: remove a UNIX socket left by an earlier run
    if address.startswith("unix:"):
        _give_socket(address.split(":", 1)[1], socket_mode, socket_group)
    else:
        _no_delay(int(address.split(":", 1)[1].split("@", 1)[0]))
    log.info("gate listening on %s", address)
    Milter.runmilter(NAME, address, timeout)


def _give_socket(path: str, mode: int, group: str | None) -> None:
    """libmilter creates the socket with the process umask; Postfix (another user)
    needs write access to connect."""
    if group:
        os.chown(path, -1, grp.getgrnam(group).gr_gid)
    os.chmod(path, mode)


def _no_delay(port: int) -> None:
    """TCP_NODELAY on libmilter's listening socket, which Linux passes on to every
    accepted connection: libmilter writes a reply's parts (an added header, then
    ACCEPT) separately, and Nagle's algorithm would hold the second until Postfix's
    delayed ACK, ~40 ms a message. libmilter has no option for it; we find its
    listener among our file descriptors."""
    for name in os.listdir("/proc/self/fd"):
        try:
            sock = socket.socket(fileno=int(name))
        except OSError:
            continue   # not a socket
        try:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM \
                    and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) \
                    and sock.getsockname()[1] == port:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return
        except OSError:
            continue
        finally:
            sock.detach()   # the descriptor stays libmilter's
    log.warning("gate: libmilter's listener on port %d not found; TCP_NODELAY not set", port)
