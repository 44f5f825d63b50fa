"""The detection seam: message body and attachments -> a content report.

Extraction turns attachments into text and tables within the policy's
limits; detection finds student data in them and in the body. Both run
under one time budget per check. Nothing here keeps or logs content.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .detect import ContentDetections, DetectConfig, IdPatternConfig, scan_content
from .extract import Extraction, ExtractLimits, Table, TextSegment, Unscannable, extract_attachments
from .extract.reasons import INTERNAL
from .message import Message
from .policy import Detection, Policy

if TYPE_CHECKING:
    from .detect import RosterIndex

BODY = "the message body"
SUBJECT = "the subject"
SOURCE_SEPARATOR = " › "
BODY_HTML = f"{BODY}{SOURCE_SEPARATOR}HTML"
NOT_SENT = "its content was not sent to SafeSend (a cloud link, or too large for the add-in to send)"
HEAVY_BYTES = 1024 * 1024  # attachments at least this big (together) make a check "heavy"


def is_heavy(message: Message) -> bool:
    """Big attachments: their scan takes long enough to matter to other checks."""
    return sum(len(a.data) for a in message.attachments) >= HEAVY_BYTES


@dataclass
class ContentReport:
    """What the content rules need: detections, and what could not be read."""

    detections: ContentDetections
    unscannable: list[Unscannable] = field(default_factory=list)
    attachment_names: tuple[str, ...] = ()
    internal_errors: list[str] = field(default_factory=list)  # bugs of ours: type and module:line

    @property
    def students(self) -> int:
        return self.detections.students


def files_not_scanned(scan, reason: str):
    """A content scanner like `scan` that reads only the subject and body (and reports the
    files never read, which keep their own reason) and reports every other file as
    unscannable for `reason`: for a check whose files cannot be scanned in time."""
    def scan_without_files(message: Message, policy: Policy, body: str) -> ContentReport:
        kept = replace(message, attachments=tuple(a for a in message.attachments if a.missing or a.unread))
        report = scan(kept, policy, body)
        problems = [Unscannable(a.name, reason) for a in message.attachments
                    if not a.missing and not a.unread]
        return ContentReport(report.detections, problems + report.unscannable,
                             tuple(a.name for a in message.attachments), report.internal_errors)

    return scan_without_files


def attachment_of(source: str) -> str | None:
    """The top-level attachment a source label belongs to (None for the body)."""
    top = source.split(SOURCE_SEPARATOR, 1)[0]
    return None if top in (BODY, SUBJECT) else top


def body_content(message: Message, body: str, max_chars: int
                 ) -> tuple[list[TextSegment], list[Table]]:
    """Every alternative of the body: the text part and the HTML part (its
    tables as tables). All are sources of "the message body", so a student
    named in both alternatives is counted once. `body` (the body as text,
    from `body_text`) is used only when the message has neither part."""
    segments: list[TextSegment] = []
    tables: list[Table] = []
    if message.body_text:
        segments.append(TextSegment(BODY, message.body_text))
    if message.body_html:
        from .extract.htmlbody import read_html_body  # lxml: only when there is HTML

        text, found = read_html_body(message.body_html, max_chars)
        if text:
            segments.append(TextSegment(BODY_HTML, text))
        tables.extend(Table(f"{BODY_HTML} table {i}", rows) for i, rows in enumerate(found, 1))
    if not segments and not tables and body:
        segments.append(TextSegment(BODY, body))
    return segments, tables


def scan_message(message: Message, policy: Policy, body: str,
                 roster: RosterIndex | None = None, seconds: float | None = None) -> ContentReport:
    """`seconds`: what is left of the time budget (a scan process gets the
    message's deadline this way); the policy's whole budget by default."""
    limits = extract_limits(policy)
    if seconds is not None:
        limits = replace(limits, time_budget_seconds=max(seconds, 0.0))
    deadline = time.monotonic() + limits.time_budget_seconds
    present = [a for a in message.attachments if not a.missing and not a.unread]
    problems = [Unscannable(a.name, a.unread or NOT_SENT) for a in message.attachments
                if a.missing or a.unread]
    extraction = (extract_attachments(((a.name, a.content_type, a.data) for a in present), limits)
                  if present else Extraction())  # no file: the parsers are never imported
    problems.extend(extraction.problems)
    segments = [TextSegment(SUBJECT, message.subject)] if message.subject else []
    body_segments, body_tables = body_content(message, body, limits.max_text_chars)
    segments.extend(body_segments)
    segments.extend(extraction.segments)
    detections = scan_content(segments, body_tables + extraction.tables,
                              detect_config(policy.detection), roster, deadline)
    problems.extend(_incomplete_scan(detections, problems))
    return ContentReport(detections, problems, tuple(a.name for a in message.attachments),
                         [*extraction.internal_errors, *detections.internal_error_locations])


def _incomplete_scan(detections: ContentDetections, problems: list[Unscannable]):
    """Say why a scan stopped early, once, in words IT can act on."""
    for source in detections.internal_errors:
        if not any(p.name == source and p.reason == INTERNAL for p in problems):
            yield Unscannable(source, INTERNAL)
    if detections.timed_out_patterns:
        names = ", ".join(detections.timed_out_patterns)
        yield Unscannable("the message", f"the district's ID pattern ({names}) was too slow on it "
                                         "and was skipped, so student IDs may have been missed")
    elif detections.failed_sources:
        for source in detections.failed_sources:
            yield Unscannable(source, "SafeSend could not finish scanning it")
    elif detections.partial and not any(p.reason.startswith("the time limit") for p in problems):
        yield Unscannable("the message", "the time limit for scanning was reached before the end")


_LIMITS: dict[int, tuple[object, ExtractLimits]] = {}


def extract_limits(policy: Policy) -> ExtractLimits:
    """The extraction limits of a policy, built once per limits section (a
    loaded policy is not changed in place; the section is kept with them, so
    its id() is not reused while cached)."""
    limits = policy.limits
    found = _LIMITS.get(id(limits))
    if found is not None and found[0] is limits:
        return found[1]
    if len(_LIMITS) > 64:
        _LIMITS.clear()
    built = _build_limits(limits)
    _LIMITS[id(limits)] = (limits, built)
    return built


def _build_limits(limits: Any) -> ExtractLimits:
    return ExtractLimits(
        max_total_bytes=limits.max_total_bytes, max_file_bytes=limits.max_attachment_bytes,
        max_depth=limits.max_depth, max_members=limits.max_members,
        max_expansion_ratio=limits.max_expansion_ratio, max_rows=limits.max_rows,
        max_pages=limits.max_pages, max_text_chars=limits.max_text_chars,
        time_budget_seconds=limits.time_budget_seconds, ocr=limits.ocr,
        ocr_max_pages=limits.ocr_max_pages, ocr_max_pixels=limits.ocr_max_pixels,
        ocr_languages=limits.ocr_languages, ocr_time_seconds=limits.ocr_time_seconds,
    )


_CONFIGS: dict[str, DetectConfig] = {}
_CONFIGS_LOCK = threading.Lock()
_BY_OBJECT: dict[int, tuple[Detection, DetectConfig]] = {}


def detect_config(settings: Detection) -> DetectConfig:
    """The compiled detectors for a detection section, built once per distinct section.

    Looked up first by the section object itself (a loaded policy is not
    changed in place: a new version is a new object), so a check pays no
    JSON dump of the section; a new object with the same settings finds the
    config built for the first one by its JSON."""
    found = _BY_OBJECT.get(id(settings))
    if found is not None and found[0] is settings:
        return found[1]
    key = json.dumps(settings.model_dump(mode="json"), sort_keys=True)
    with _CONFIGS_LOCK:
        config = _CONFIGS.get(key)
        if config is None:
            config = _build_config(settings)
            config.compiled()  # compile (and validate) once, outside the send path
            if len(_CONFIGS) > 64:
                _CONFIGS.clear()
            _CONFIGS[key] = config
        if len(_BY_OBJECT) > 64:
            _BY_OBJECT.clear()
        # the section is kept with its config, so its id() is not reused while cached
        _BY_OBJECT[id(settings)] = (settings, config)
        return config


def _build_config(settings: Detection) -> DetectConfig:
    patterns = []
    for item in settings.id_patterns:
        extra = {}
        if item.context_words:
            extra["context_words"] = tuple(item.context_words)
        if item.exclude_words is not None:
            extra["exclude_words"] = tuple(item.exclude_words)
        patterns.append(IdPatternConfig(
            name=item.name, regex=item.regex, check_digit=item.check_digit,
            context_window=item.context_window, require_context=item.require_context, **extra))
    return DetectConfig(
        id_patterns=tuple(patterns),
        sensitive_terms={k: tuple(v) for k, v in settings.sensitive_terms.items()},
        near_window=settings.near_window, dob_window=settings.dob_window,
        min_text_id_length=settings.min_text_id_length,
    )


def body_text(message: Message, max_chars: int = 2_000_000) -> str:
    """The body as plain text: the text part, else the HTML part converted."""
    if message.body_text or not message.body_html:
        return message.body_text
    from .extract import html_to_text

    return html_to_text(message.body_html, max_chars)
