"""Send-time checks as incident sources: `safesend incident report <check id>`
opens the check, with the roster students it matched (store/check_students.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..store.check_students import check_students
from ..store.checks import get_check
from .exposure import Exposure, register_lookup


@register_lookup
def check_exposure(session: Session, tenant_id: str, ref: str) -> Exposure | None:
    check = get_check(session, tenant_id, ref.strip())
    if check is None:
        return None
    students = check_students(session, check.id)
    rules = tuple(dict.fromkeys(f.rule for f in check.findings if not f.audit and f.action != "allow"))
    action = check.override.action if check.override is not None else check.action
    return Exposure(
        kind="check", ref=check.id, tenant_id=tenant_id, occurred_at=check.created_at,
        sender=check.sender, action=action, rules=rules,
        recipients_total=check.to_count + check.cc_count + check.bcc_count,
        recipients_visible=check.to_count + check.cc_count,
        recipients_outside=check.visible_external,
        students=max(check.students_matched, len(students)),
        students_sensitive=sum(1 for s in students if s.sensitive),
        roster_refs=tuple(s.ref for s in students),
        sensitive_refs=tuple(s.ref for s in students if s.sensitive),
    )
