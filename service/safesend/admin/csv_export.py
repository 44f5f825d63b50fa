"""CSV of the override log, streamed row by row (an export can be large)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from ..spreadsheet import safe_cell
from ..store.models import Check
from .filters import iso
from .log_query import enforced_rules, review_of

COLUMNS = ("check_id", "time", "sender", "action", "rules", "students_matched",
           "visible_recipients", "audience", "attachments", "client", "client_version",
           "policy_version", "overridden_at", "overridden_by", "justification",
           "reviewed_at", "reviewed_by", "review_note")


def row_values(check: Check) -> list[str]:
    override = check.override
    reviewed_at, reviewed_by, note = review_of(check)
    values = [check.id, iso(check.created_at), check.sender, check.action,
              " ".join(enforced_rules(check)), check.students_matched, check.visible_external,
              check.audience, check.attachment_count, check.client_app, check.client_version,
              check.policy_version, iso(override.created_at) if override else "",
              override.actor if override else "", override.justification if override else "",
              iso(reviewed_at), reviewed_by, note]
    return [safe_cell(v) for v in values]


def stream_csv(checks: Iterable[Check]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for check in checks:
        writer.writerow(row_values(check))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()

