"""What crosses the pipe to a scan process and back, as JSON plus byte blobs.

Request: the parts of the message the content scan reads (subject, bodies,
attachments: never the recipients), the policy's `limits` and `detection`
sections, and the body as text. Reply: the ContentReport, field by field.
"""

from __future__ import annotations

from dataclasses import fields

from ..content import ContentReport
from ..detect import ContentDetections, Evidence, SourceDetections
from ..extract import Unscannable
from ..message import Attachment, Message
from ..policy import Policy

_UTF8 = ("utf-8", "surrogatepass")


def message_to_wire(message: Message, body: str) -> tuple[dict, list[bytes]]:
    """Texts travel as blobs: JSON-escaping megabytes of body costs more than copying them."""
    head = {"attachments": [[a.name, a.content_type, a.missing, a.inline, a.unread]
                            for a in message.attachments]}
    texts = [message.subject, message.body_text, message.body_html, body]
    return head, [t.encode(*_UTF8) for t in texts] + [a.data for a in message.attachments]


def message_from_wire(head: dict, blobs: list[bytes]) -> tuple[Message, str]:
    subject, body_text, body_html, body = (b.decode(*_UTF8) for b in blobs[:4])
    described = head["attachments"]  # zip(strict): a count that does not match raises ValueError
    attachments = tuple(Attachment(str(name), content_type, data, bool(missing), bool(inline),
                                   str(unread or ""))
                        for (name, content_type, missing, inline, unread), data
                        in zip(described, blobs[4:], strict=True))
    return Message(sender="", subject=subject, body_text=body_text, body_html=body_html,
                   attachments=attachments), body


def policy_to_wire(policy: Policy) -> dict:
    """The two sections scan_message reads; the rest of the policy stays here."""
    return {"limits": policy.limits.model_dump(mode="json"),
            "detection": policy.detection.model_dump(mode="json")}


def report_to_wire(report: ContentReport) -> dict:
    detections = report.detections
    head = {f.name: getattr(detections, f.name) for f in fields(detections)}
    head["sources"] = [_source_to_wire(s) for s in detections.sources]
    head["evidence"] = [_evidence_to_wire(e) for e in detections.evidence]
    head["roster_indexes"] = sorted(detections.roster_indexes)
    return {"detections": head,
            "unscannable": [[p.name, p.reason] for p in report.unscannable],
            "attachment_names": list(report.attachment_names),
            "internal_errors": list(report.internal_errors)}


def report_from_wire(head: dict) -> ContentReport:
    raw = dict(head["detections"])
    sources = tuple(_source_from_wire(s) for s in raw.pop("sources"))
    evidence = tuple(_evidence_from_wire(e) for e in raw.pop("evidence"))
    roster_indexes = frozenset(int(i) for i in raw.pop("roster_indexes"))
    detections = ContentDetections(sources=sources, evidence=evidence, roster_indexes=roster_indexes,
                                   **_plain(ContentDetections, raw))
    return ContentReport(detections,
                         [Unscannable(str(name), str(reason)) for name, reason in head["unscannable"]],
                         tuple(str(n) for n in head["attachment_names"]),
                         [str(e) for e in head["internal_errors"]])


def _source_to_wire(source: SourceDetections) -> dict:
    head = {f.name: getattr(source, f.name) for f in fields(source)}
    head["evidence"] = [_evidence_to_wire(e) for e in source.evidence]
    return head


def _source_from_wire(head: dict) -> SourceDetections:
    raw = dict(head)
    evidence = tuple(_evidence_from_wire(e) for e in raw.pop("evidence"))
    return SourceDetections(evidence=evidence, **_plain(SourceDetections, raw))


def _evidence_to_wire(item: Evidence) -> list[str]:
    return [item.kind, item.text, item.location, item.detail]


def _evidence_from_wire(item: list) -> Evidence:
    kind, text, location, detail = item
    return Evidence(str(kind), str(text), str(location), str(detail))  # type: ignore[arg-type]


def _plain(cls, raw: dict) -> dict:
    """Counts, flags, strings and their tuples and mappings, as the dataclass holds them."""
    known = {f.name for f in fields(cls)}
    if not raw.keys() <= known:
        raise ValueError("unknown fields in a report")
    return {name: tuple(value) if isinstance(value, list) else value for name, value in raw.items()}
