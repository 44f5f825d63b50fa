"""Every real-world file in ../shared/corpora gets a verdict: as an attachment
through the whole check (held against a reviewed snapshot of each file's action
and unscannable reasons), and every mail file also as the message itself."""

import mimetypes
import time

import pytest
from corpus_snapshot import compare, outcome

from messages import DISTRICT, message, parents
from safesend.content import scan_message
from safesend.engine import check
from safesend.facts import CheckContext
from safesend.mailfile import MailFileError, parse_message_bytes
from safesend.message import Attachment
from safesend.policy import parse_policy

# OCR may use the whole budget: the snapshot records what a file holds, not how busy the
# machine was (a JPEG 2000 scan ran past the 4 s default under load).
POLICY = parse_policy({"internal_domains": [DISTRICT],
                       "limits": {"time_budget_seconds": 30, "ocr_time_seconds": 30}})


def _check_keeping_reasons(outgoing):
    """The verdict, and the unscannable reasons of the content scan behind it."""
    reports = []

    def scan(m, p, body):
        reports.append(scan_message(m, p, body))
        return reports[-1]

    verdict = check(outgoing, POLICY, CheckContext(scan_content=scan))
    return verdict, [problem.reason for report in reports for problem in report.unscannable]
MAIL_SUFFIXES = {".eml", ".msg", ".mbox", ""}


def corpus_files(corpora):
    return sorted(p for p in corpora.rglob("*") if p.is_file())


@pytest.mark.slow
def test_every_corpus_file_as_an_attachment_gets_a_verdict(corpora):
    files = corpus_files(corpora)
    assert len(files) > 1000
    actions: dict[str, int] = {}
    outcomes: dict[str, str] = {}
    slowest = (0.0, "")
    for path in files:
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        outgoing = message(to=parents(3), subject="Files",
                           attachments=(Attachment(path.name, ctype, path.read_bytes()),))
        started = time.monotonic()
        verdict, reasons = _check_keeping_reasons(outgoing)
        elapsed = time.monotonic() - started
        slowest = max(slowest, (elapsed, str(path.relative_to(corpora))))
        outcomes[path.relative_to(corpora).as_posix()] = outcome(reasons, verdict.action)
        actions[verdict.action] = actions.get(verdict.action, 0) + 1
        assert verdict.to_json()["action"] in ("allow", "warn", "confirm", "block")
    print(f"\ncorpus as attachments: {len(files)} files, actions {actions}, "
          f"slowest {slowest[0]:.2f} s ({slowest[1]})")
    # A hang would show as a check far beyond the policy's time budget.
    assert slowest[0] < POLICY.limits.time_budget_seconds + 10
    compare("corpora_checks", outcomes)


@pytest.mark.slow
def test_every_corpus_mail_file_as_the_message_gets_a_verdict(corpora):
    mail = [p for p in corpus_files(corpora)
            if p.suffix.lower() in (".eml", ".msg") or "sisimai" in p.parts]
    checked = refused = 0
    outcomes: dict[str, str] = {}
    for path in mail:
        name = path.relative_to(corpora).as_posix()
        try:
            parsed = parse_message_bytes(path.read_bytes(), path.name)
        except MailFileError:
            refused += 1
            outcomes[name] = "refused as unreadable"
            continue
        verdict, reasons = _check_keeping_reasons(parsed)
        outcomes[name] = outcome(reasons, verdict.action)
        checked += 1
    print(f"\ncorpus mail as messages: {checked} checked, {refused} refused as unreadable")
    assert checked > refused
    compare("corpora_mail_messages", outcomes)
