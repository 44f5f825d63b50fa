"""The Postfix configuration that puts the gate in mail flow.

`safesend gate config` prints it: the main.cf lines go into main.cf, the
master.cf line replaces the `smtp inet` service line when the relay should
listen on a port other than 25 (tests use a free loopback port).
"""

from __future__ import annotations


def milter_address(host: str, port: int, socket_path: str | None = None) -> str:
    """Postfix's spelling of where the gate listens: `unix:/path` or `inet:host:port`.
    (A chrooted smtpd resolves the path inside its chroot, /var/spool/postfix.)"""
    return f"unix:{socket_path}" if socket_path else f"inet:{host}:{port}"


def main_cf(milter: str, fail_mode: str) -> str:
    """`milter`: milter_address(...)."""
    default_action = "tempfail" if fail_mode == "closed" else "accept"
    return "\n".join((
        "# SafeSend mail-flow gate: every message received over SMTP is checked",
        "# before Postfix accepts it; a 5xx goes back to the sending server.",
        f"smtpd_milters = {milter}",
        "non_smtpd_milters =",
        "milter_protocol = 6",
        f"# clients.fail_mode = {fail_mode}: when the gate does not answer, "
        + ("defer (451 4.7.1) so the sender retries" if default_action == "tempfail"
           else "accept unchecked"),
        f"milter_default_action = {default_action}",
        "milter_connect_timeout = 10s",
        "milter_content_timeout = 120s",
        "",
    ))


def master_cf_smtp(listen: str = "smtp") -> str:
    """The SMTP service line; `listen` is `smtp` (port 25) or `127.0.0.1:2525`."""
    return f"{listen} inet n - n - - smtpd\n"
