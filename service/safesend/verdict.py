"""Findings and verdicts: the contract every client renders (docs/contracts.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .actions import Action, strongest


@dataclass
class Finding:
    rule: str
    action: Action
    title: str
    detail: str
    count: int = 0
    evidence: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    # Names of attachments the finding is about (for remove_attachment).
    attachments: list[str] = field(default_factory=list)
    # Audit-mode findings are recorded but never shown to the sender.
    audit: bool = False

    def to_json(self) -> dict[str, Any]:
        data = {
            "rule": self.rule, "action": self.action, "title": self.title,
            "detail": self.detail, "count": self.count,
            "evidence": list(self.evidence), "fixes": list(self.fixes),
        }
        if self.attachments:
            data["attachments"] = list(self.attachments)
        return data


@dataclass
class Verdict:
    check_id: str
    policy_version: int
    findings: list[Finding] = field(default_factory=list)
    audit_findings: list[Finding] = field(default_factory=list)
    students_matched: int = 0
    # The X-SafeSend stamp for the Outlook add-in to set (gate/stamp.py); API checks only.
    stamp: str | None = None

    @property
    def action(self) -> Action:
        return strongest(f.action for f in self.findings)

    @property
    def audit_action(self) -> Action:
        """What the verdict would have been with every rule enforced."""
        return strongest(f.action for f in (*self.findings, *self.audit_findings))

    def to_json(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "action": self.action,
            "policy_version": self.policy_version,
            "students_matched": self.students_matched,
            "findings": [f.to_json() for f in self.findings],
            **({"stamp": self.stamp} if self.stamp else {}),
        }
