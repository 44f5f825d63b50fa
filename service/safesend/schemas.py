"""The JSON API's request models, and their conversion into a `Message`.

The same pydantic models validate requests and generate the OpenAPI
document, so the two cannot drift apart.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

import pybase64
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from .message import AddressError, Attachment, ClientInfo, Message, Recipient, parse_address


class RequestError(ValueError):
    """A request that is well-formed JSON but not a valid check."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class _In(BaseModel):
    # Strict: `"is_reply": "yes"` or `"group_size": "5"` is refused, as the document says.
    model_config = ConfigDict(extra="ignore", strict=True)


# What the OpenAPI document states about strings, kept beside the fields they describe.
# An address in the sense of parse_address: a plain one, or "Name <address>" (rarely sent).
EMAIL = {"format": "email"}
# Text with no "@" is a display name alone (an unresolved recipient).
DISPLAY_NAME = {"pattern": "^[^@]*$"}
# At least one character Python's str.strip() keeps (the document and the code must agree).
NOT_BLANK = {"pattern": "[^\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a"
                        "\\u2028\\u2029\\u202f\\u205f\\u3000]"}
# Exactly what base64.b64decode(..., validate=True) takes.
BASE64 = {"contentEncoding": "base64",
          "pattern": "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"}
MAX_LIST_SIZE = 10_000_000  # larger than any real distribution list; keeps counts in range


def _whole(value):
    # JSON Schema counts 145.0 as an integer; strict pydantic would not.
    return int(value) if isinstance(value, float) and value.is_integer() else value


# The bounds sit inside the type so that they reach the document as minimum/maximum.
ListSize = Annotated[int, Field(ge=0, le=MAX_LIST_SIZE), BeforeValidator(_whole)]
ByteCount = Annotated[int, Field(ge=0), BeforeValidator(_whole)]

RecipientText = Annotated[str, Field(
    max_length=512, json_schema_extra={"anyOf": [EMAIL, DISPLAY_NAME], "allOf": [NOT_BLANK],
                                       "description": "An address ('pat@x.org' or 'Pat Doe "
                                                      "<pat@x.org>'), or a display name alone"})]


class RecipientIn(_In):
    """A recipient: an address, or (when only that is known) a display name."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["address"], "properties": {"address": NOT_BLANK}},
        {"required": ["name"], "properties": {"name": NOT_BLANK}}]})
    address: str = Field(default="", max_length=512, json_schema_extra={"anyOf": [EMAIL, DISPLAY_NAME]},
                         description="Email address; may be empty when only a display name is known")
    name: str = Field(default="", max_length=512)
    is_group: bool = Field(default=False, description="A distribution list or contact group")
    group_size: ListSize | None = Field(default=None, description="List size when the client knows it")


class BodyIn(_In):
    text: str | None = None
    html: str | None = None


class AttachmentIn(_In):
    name: str = Field(min_length=1, max_length=1024)
    content_type: str = Field(default="application/octet-stream", max_length=255)
    content_base64: str | None = Field(default=None, json_schema_extra=BASE64,
                                       description="File content; absent for cloud links")
    size: ByteCount | None = Field(default=None, description="Size in bytes when content is not sent")
    inline: bool = Field(default=False, description="A picture pasted into the body rather than an "
                         "attached file; only changes how findings name it")


class ClientIn(_In):
    app: str = Field(default="unknown", max_length=64)
    version: str = Field(default="", max_length=64)


class CheckRequest(_In):
    sender: str = Field(max_length=254, json_schema_extra=EMAIL,
                        description="The sender's email address")
    to: list[RecipientIn | RecipientText] = Field(default_factory=list)
    cc: list[RecipientIn | RecipientText] = Field(default_factory=list)
    bcc: list[RecipientIn | RecipientText] = Field(default_factory=list)
    subject: str = Field(default="", max_length=4096)
    body: BodyIn = Field(default_factory=BodyIn)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=500)
    client: ClientIn = Field(default_factory=ClientIn)
    is_reply: bool = False


class OverrideRequest(_In):
    justification: str = Field(default="", max_length=4000)


class ReviewRequest(_In):
    note: str = Field(default="", max_length=4000)


class FindingOut(BaseModel):
    rule: Literal["visible_recipients", "audience_size", "external_recipients",
                  "student_data", "unscannable_attachment"]
    action: Literal["allow", "warn", "confirm", "block"]
    title: str
    detail: str
    count: int
    evidence: list[str]
    fixes: list[str]
    attachments: list[str] = []


class VerdictOut(BaseModel):
    check_id: str
    action: Literal["allow", "warn", "confirm", "block"]
    policy_version: int
    students_matched: int
    findings: list[FindingOut]
    # Mail-flow gate (issue 14): the X-SafeSend header value for the Outlook add-in to set
    # (not for blocked messages); the gate honours it while the check is allowed or overridden.
    stamp: str | None = None


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    error: ErrorBody


def to_message(request: CheckRequest, max_recipients: int) -> Message:
    """Build a Message, naming the offending field on any bad value."""
    try:
        sender, _ = parse_address(request.sender)
    except AddressError as exc:
        raise RequestError(str(exc), "sender") from None
    if not sender:
        raise RequestError("sender must be an email address", "sender")
    count = len(request.to) + len(request.cc) + len(request.bcc)
    if count > max_recipients:
        raise RequestError(f"too many recipients: {count} (the limit is {max_recipients})", "to")
    return Message(
        sender=sender,
        to=_recipients(request.to, "to"),
        cc=_recipients(request.cc, "cc"),
        bcc=_recipients(request.bcc, "bcc"),
        subject=request.subject,
        body_text=request.body.text or "",
        body_html=request.body.html or "",
        attachments=tuple(_attachment(a, i) for i, a in enumerate(request.attachments)),
        client=ClientInfo(app=request.client.app, version=request.client.version),
        is_reply=request.is_reply,
    )


def _recipients(items: list[RecipientIn | RecipientText], field: str) -> tuple[Recipient, ...]:
    result = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            try:
                item = RecipientIn(address=item)
            except ValidationError:   # never let pydantic's input_value reach a log
                raise RequestError("an address has at most 512 characters",
                                   f"{field}.{index}") from None
        try:
            address, name = parse_address(item.address, item.name)
        except AddressError as exc:
            raise RequestError(str(exc), f"{field}.{index}.address") from None
        if not address and not name:
            raise RequestError("a recipient needs an address or a name", f"{field}.{index}")
        result.append(Recipient(address=address, name=name, field=field,  # type: ignore[arg-type]
                                is_group=item.is_group, group_size=item.group_size))
    return tuple(result)


def _decode_base64(text: str) -> bytes:
    """base64.b64decode(text, validate=True), with pybase64's SIMD decoder first: CPython's
    took ~16 ms for a 7 MB attachment, all of it holding the interpreter lock that every
    quick check of the process waits for; pybase64 takes ~0.5 ms. It refuses a little more
    than CPython does (padding after a whole group, "AAAA="): what it refuses is decoded
    again by CPython, so what is accepted, what it gives, and what is refused stay the same."""
    try:
        return pybase64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return base64.b64decode(text, validate=True)


def _attachment(item: AttachmentIn, index: int) -> Attachment:
    if item.content_base64 is None:
        # A cloud link or a file the client could not read: scanned as unscannable.
        return Attachment(name=item.name, content_type=item.content_type, data=b"", missing=True,
                          inline=item.inline)
    try:
        data = _decode_base64(item.content_base64)
    except (binascii.Error, ValueError):
        raise RequestError("content_base64 is not valid base64",
                           f"attachments.{index}.content_base64") from None
    return Attachment(name=item.name, content_type=item.content_type, data=data, inline=item.inline)
