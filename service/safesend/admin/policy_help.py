"""Words for the policy page: section titles, field labels and help text.

Keyed by the setting's key path (as in the YAML file and in PolicyError);
`rules.*.<name>` holds what every rule shares. A test checks that every
setting of the policy has help text here.
"""

from __future__ import annotations

SECTIONS = {
    "general": ("Domains and topics",
                "What counts as inside the district, and which subjects make a list of "
                "recipients sensitive."),
    "rules.visible_recipients": ("Visible recipients",
                                 "Many outside addresses in To or Cc let every family see who else "
                                 "got the message: worse when it is about a 504 plan or an IEP."),
    "rules.audience_size": ("Audience size",
                            "How many people a message reaches, counting the members of lists."),
    "rules.external_recipients": ("Outside recipients",
                                  "Any recipient outside the district's domains. Off by default."),
    "rules.student_data": ("Student data",
                           "Student IDs and roster names in the text and attachments, going outside "
                           "or to a large audience."),
    "rules.unscannable_attachment": ("Unscannable attachments",
                                     "Attachments SafeSend cannot read (encrypted, damaged, too large)."),
    "overrides": ("Overrides", "What a sender must write to send anyway."),
    "detection": ("Student data detection", "How SafeSend recognizes student data."),
    "directory": ("Directories", "Where SafeSend learns the real size of distribution lists."),
    "clients": ("Add-ins", "How the Outlook and Gmail add-ins behave when the service is slow."),
    "limits": ("Limits", "Sizes and time budgets that keep every check fast and safe."),
    "incidents": ("Incident response", "The district's own deadlines for telling families."),
}

LABELS = {
    "internal_domains": "Internal domains",
    "sensitive_topics": "Sensitive topics",
    "enabled": "Rule on",
    "mode": "Mode",
    "warn_at": "Warn at",
    "confirm_at": "Ask for a justification at",
    "block_at": "Block at",
    "sensitive_action": "On a sensitive topic",
    "unknown_size_action": "When a list's size is unknown",
    "block_sensitive_at": "Block at (students with a plan)",
    "large_audience": "Large audience from",
    "internal_allow_below": "Internal mail allowed below",
    "action": "Action",
    "justification_min_length": "Shortest justification",
    "id_patterns": "Student ID patterns",
    "sensitive_terms": "Sensitive terms",
    "near_window": "Nearness window",
    "dob_window": "Birth date window",
    "min_text_id_length": "Shortest ID in text",
    "directory": "Directory settings (YAML)",
    "fail_mode": "When the service does not answer",
    "timeout_seconds": "Add-in time-out (seconds)",
    "max_request_bytes": "Largest request (bytes)",
    "max_attachment_bytes": "Largest attachment scanned (bytes)",
    "max_total_bytes": "Largest total of attachments (bytes)",
    "max_depth": "Deepest archive nesting",
    "max_members": "Most files in one archive",
    "max_expansion_ratio": "Largest unpacking ratio",
    "max_rows": "Most spreadsheet rows",
    "max_pages": "Most document pages",
    "max_text_chars": "Most characters of text",
    "time_budget_seconds": "Time budget (seconds)",
    "ocr": "Read pictures and scans (OCR)",
    "ocr_max_pages": "Most pictures or scanned pages read per file",
    "ocr_max_pixels": "Largest picture read (pixels)",
    "ocr_languages": "OCR languages",
    "ocr_time_seconds": "OCR time per file (seconds)",
    "max_recipients": "Most recipients",
    "notify_within_days": "Notify families within (days)",
}

HELP = {
    "internal_domains": "One per line, e.g. district.org. Subdomains count too. Empty: the sender's "
                        "own domain is internal.",
    "sensitive_topics": "One per line. A message whose subject or text mentions one of these is "
                        "sensitive (504, IEP, special education...).",
    "rules.*.enabled": "Off: the rule is not evaluated at all.",
    "rules.*.mode": "Test mode records what the rule would have done and shows nothing to the "
                    "sender, so you can measure before enforcing.",
    "rules.*.warn_at": "The count at which the sender is warned. Empty turns this level off.",
    "rules.*.confirm_at": "The count at which the sender must type a justification. Empty turns "
                          "this level off.",
    "rules.*.block_at": "The count at which the message is blocked until fixed. Empty turns this "
                        "level off.",
    "rules.visible_recipients.warn_at": "Outside addresses visible in To or Cc at which the sender "
                                        "is warned and offered 'move everyone to Bcc'.",
    "rules.visible_recipients.confirm_at": "Visible outside addresses at which a justification is "
                                           "required. Empty turns this level off.",
    "rules.visible_recipients.block_at": "Visible outside addresses at which the message is "
                                         "blocked. Empty turns this level off.",
    "rules.visible_recipients.sensitive_action": "The least the sender gets when visible recipients "
                                                 "meet a sensitive topic or guardians of students "
                                                 "with plans.",
    "rules.audience_size.warn_at": "People reached (list members counted) at which the sender is warned.",
    "rules.audience_size.confirm_at": "People reached at which a justification is required.",
    "rules.audience_size.block_at": "People reached at which the message is blocked.",
    "rules.audience_size.unknown_size_action": "What happens when a list's size cannot be learned in time.",
    "rules.external_recipients.warn_at": "Outside recipients (in any field) at which the sender is warned.",
    "rules.external_recipients.confirm_at": "Outside recipients at which a justification is required.",
    "rules.external_recipients.block_at": "Outside recipients at which the message is blocked.",
    "rules.student_data.warn_at": "Students identified at which the sender is warned.",
    "rules.student_data.confirm_at": "Students identified at which a justification is required.",
    "rules.student_data.block_sensitive_at": "Students with a plan, disability or other sensitive "
                                             "attribute at which the message is blocked.",
    "rules.student_data.large_audience": "Recipients from which internal mail counts as going to a "
                                         "large audience.",
    "rules.student_data.internal_allow_below": "Fewer students than this, to colleagues inside the "
                                               "district, is ordinary school work and allowed.",
    "rules.unscannable_attachment.action": "What the sender gets when an attachment cannot be read.",
    "overrides.justification_min_length": "Characters a justification needs, when one is required.",
    "detection.id_patterns": "The district's student ID formats. The regular expression matches the "
                             "whole ID without separators; a check digit rules out look-alikes.",
    "detection.sensitive_terms": "One category per line: 'category: term, term'. Counted only near "
                                 "a student identifier.",
    "detection.near_window": "Characters around a student identifier in which a sensitive term counts.",
    "detection.dob_window": "Characters around a name in which a birth date counts.",
    "detection.min_text_id_length": "Shorter numbers in running text are never taken for student IDs.",
    "directory": "Backends that expand distribution lists (static, graph, ews, google), as YAML. "
                 "Secrets are never written here: name the environment variable that holds them.",
    "clients.fail_mode": "Open lets the sender send with a notice; closed holds the message.",
    "clients.timeout_seconds": "How long an add-in waits for a verdict.",
    "limits.max_request_bytes": "Requests larger than this are refused with a clear message.",
    "limits.max_attachment_bytes": "Larger attachments are reported as unscannable.",
    "limits.max_total_bytes": "Attachments beyond this total are reported as unscannable.",
    "limits.max_depth": "Archives inside archives deeper than this are not opened.",
    "limits.max_members": "Files read from one archive at most.",
    "limits.max_expansion_ratio": "Unpacked size over packed size beyond which an archive is a zip bomb.",
    "limits.max_rows": "Spreadsheet rows read at most.",
    "limits.max_pages": "Document pages read at most.",
    "limits.max_text_chars": "Characters of extracted text scanned at most.",
    "limits.time_budget_seconds": "Seconds a content scan may take before it stops and says so.",
    "limits.ocr": "Off: pictures, scanned PDF pages and pictures inside documents are not read.",
    "limits.ocr_max_pages": "Pictures or scanned pages read with OCR in one file; the rest is "
                            "reported as not checked ('2 of 9 pages checked').",
    "limits.ocr_max_pixels": "Larger pictures are reported as too large to read.",
    "limits.ocr_languages": "Tesseract languages joined by '+', e.g. eng+spa; each needs its "
                            "language data installed (tesseract-ocr-spa).",
    "limits.ocr_time_seconds": "Seconds of text recognition one file may take, within the time "
                               "budget; pages left are reported as not checked.",
    "limits.max_recipients": "Messages with more recipients are refused as invalid requests.",
    "incidents.notify_within_days": "Days from discovery by which families should be told, as your "
                                    "counsel reads state law and contracts. Empty: no deadline shown.",
}

PATTERN_HELP = {
    "name": "A name for the format, e.g. 'District ID'.",
    "regex": "The whole ID without separators, e.g. \\d{8} or S\\d{7}.",
    "check_digit": "The check-digit scheme, if the ID has one.",
    "context_words": "Comma-separated words that must be near an ID; empty: the defaults.",
    "context_window": "Characters around an ID in which context words count.",
    "require_context": "Only count IDs with a context word nearby.",
    "exclude_words": "Comma-separated words that mean 'not a student ID' (invoice, phone).",
}


def help_for(path: str) -> str:
    if path in HELP:
        return HELP[path]
    parts = path.split(".")
    if parts[0] == "rules" and len(parts) == 3:
        return HELP.get(f"rules.*.{parts[2]}", "")
    return ""


def label_for(path: str) -> str:
    leaf = path.rsplit(".", 1)[-1]
    return LABELS.get(leaf, leaf.replace("_", " ").capitalize())
