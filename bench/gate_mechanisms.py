"""Milter vs before-queue proxy filter, without any checking: what each way of
putting a Python program in front of Postfix costs by itself. Used by
bench_gate.py --mechanisms; both stand-ins read the whole message, as the gate does."""

from __future__ import annotations

import asyncio
import smtplib
import subprocess
import sys
import textwrap

PASS_MILTER = textwrap.dedent("""
    import sys
    import Milter

    class Pass(Milter.Base):
        def __init__(self):
            self.data = bytearray()
        def envfrom(self, *args):
            self.data = bytearray()
            return Milter.CONTINUE
        def header(self, name, value):
            self.data += name.encode() + b": " + value.encode("utf-8", "surrogateescape") + b"\\r\\n"
            return Milter.CONTINUE
        def body(self, chunk):
            self.data += chunk
            return Milter.CONTINUE
        def eom(self):
            return Milter.ACCEPT

    Milter.factory = Pass
    Milter.runmilter("pass", "inet:%s@127.0.0.1" % sys.argv[1], 600)
""")


def start_pass_milter(port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PASS_MILTER, str(port)])


class PassProxy:
    """An aiosmtpd before-queue filter that passes every message on to Postfix's after-filter port."""

    def __init__(self, port: int, after_port: int):
        from aiosmtpd.controller import Controller

        self.after_port = after_port
        self.controller = Controller(self, hostname="127.0.0.1", port=port, decode_data=False,
                                     enable_SMTPUTF8=False, data_size_limit=100 * 1024 * 1024)
        self.controller.start()

    def _forward(self, envelope) -> str:
        try:
            with smtplib.SMTP("127.0.0.1", self.after_port, timeout=120) as smtp:
                smtp.sendmail(envelope.mail_from, envelope.rcpt_tos, envelope.original_content)
        except smtplib.SMTPResponseException as exc:
            return f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
        except OSError:
            return "451 4.3.0 next hop unavailable"
        return "250 2.0.0 OK"

    async def handle_DATA(self, server, session, envelope):
        return await asyncio.get_running_loop().run_in_executor(None, self._forward, envelope)

    def stop(self) -> None:
        self.controller.stop()
