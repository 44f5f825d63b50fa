"""The parts of a Workspace add-on event object SafeSend reads.

Google sends JSON with `commonEventObject` (host app, locale, action
parameters), `authorizationEventObject` (tokens) and, in Gmail, `gmail`:
with `draftAccess: METADATA` a compose event lists the draft's
`toRecipients`, `ccRecipients` and `bccRecipients` (older events put them
in `draftMetadata`). Nothing else of the draft is sent: no subject, body or
attachments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FIELDS = (("to", "toRecipients"), ("cc", "ccRecipients"), ("bcc", "bccRecipients"))


@dataclass(frozen=True)
class Draft:
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.to or self.cc or self.bcc)


@dataclass(frozen=True)
class AddonEvent:
    host_app: str
    locale: str
    draft: Draft | None            # None when the event holds no draft metadata
    user_id_token: str
    parameters: dict[str, str]


def parse_event(data: object) -> AddonEvent:
    event = data if isinstance(data, dict) else {}
    common = _dict(event.get("commonEventObject"))
    auth = _dict(event.get("authorizationEventObject"))
    return AddonEvent(
        host_app=str(common.get("hostApp", "")),
        locale=str(common.get("userLocale", "")),
        draft=_draft(_dict(event.get("gmail"))) or _draft(_dict(event.get("draftMetadata"))),
        user_id_token=str(auth.get("userIdToken") or ""),
        parameters={str(k): str(v) for k, v in _dict(common.get("parameters")).items()},
    )


def _draft(section: dict) -> Draft | None:
    if not any(key in section for _, key in FIELDS):
        return None
    return Draft(**{name: _addresses(section.get(key)) for name, key in FIELDS})


def _addresses(value) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(v).strip() for v in value if isinstance(v, str) and v.strip()]


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}
