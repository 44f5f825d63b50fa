"""The gate as a milter (pymilter on Debian's libmilter).

Postfix streams each message to the milter while the sending server waits;
at end of message the gate decides and answers accept (adding the
X-SafeSend header), reject with a 5.7.1 text, or tempfail. The milter
never changes the body, so DKIM signatures stay valid. libmilter serves each
SMTP connection on its own thread; state is per connection and reset for
every message (MAIL FROM), as one connection may carry several.
"""

from __future__ import annotations

import logging

import Milter

from .decide import Decision, Gate
from .stamp import HEADER

log = logging.getLogger("safesend.gate")
MAX_REPLY_LINES = 32   # libmilter's limit for a multi-line reply


class GateMilter(Milter.Base):
    gate: Gate   # set by serve() before the first connection

    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        self.mail_from = ""
        self.rcpt_to: list[str] = []
        self.raw = bytearray()
        self.stamps: list[str] = []

    def envfrom(self, mail_from, *params):
        self._reset()
        self.mail_from = mail_from
        return Milter.CONTINUE

    def envrcpt(self, rcpt, *params):
        self.rcpt_to.append(rcpt)
        return Milter.CONTINUE

    def header_bytes(self, name, value):
        # Keep the value's bytes as sent: decoding here would alter 8-bit headers.
        name = name if isinstance(name, str) else name.decode("ascii", "replace")
        value = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
        self.raw += name.encode("ascii", "replace") + b": "
        self.raw += value.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"\r\n"
        if name.lower() == HEADER.lower():
            self.stamps.append(value.decode("ascii", "replace"))
        return Milter.CONTINUE

    def header(self, name, value):
        # Declared so pymilter asks Postfix for headers; header_bytes does the work.
        return self.header_bytes(name, value)

    def eoh(self):
        self.raw += b"\r\n"
        return Milter.CONTINUE

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


def serve(gate: Gate, host: str, port: int, timeout: int = 600) -> None:
    """Listen for Postfix on host:port until SIGTERM or SIGINT (libmilter handles both)."""
    GateMilter.gate = gate
    Milter.factory = GateMilter
    Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS)
    log.info("gate listening on inet:%s@%s", port, host)
    Milter.runmilter("safesend-gate", f"inet:{port}@{host}", timeout)
