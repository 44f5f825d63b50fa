"""'Try a message' input: an uploaded .eml/.msg, or pasted recipients and text."""

from __future__ import annotations

import email.utils

from pydantic import ValidationError

from ..mailfile import MailFileError, count_address_items, parse_message_bytes
from ..message import Message
from ..schemas import CheckRequest, RecipientIn, RequestError, to_message


class TryInputError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def message_from_form(form, files, max_recipients: int) -> Message:
    upload = files.get("file")
    if upload is not None and upload.filename:
        try:
            return parse_message_bytes(upload.read(), upload.filename, max_recipients)
        except MailFileError as exc:
            raise TryInputError(str(exc), "file") from None
    if not any(form.get(name, "").strip() for name in ("to", "cc", "bcc")):
        raise TryInputError("Upload a message file, or enter at least one recipient.", "to")
    pasted = count_address_items([form.get(name, "").replace(";", ",") for name in ("to", "cc", "bcc")])
    if pasted > max_recipients:  # before parsing any of them
        raise TryInputError(f"too many recipients: {pasted:,} (the limit is {max_recipients:,})", "to")
    try:
        request = CheckRequest(
            sender=form.get("sender", "").strip(), subject=form.get("subject", ""),
            to=_recipients(form.get("to", "")), cc=_recipients(form.get("cc", "")),
            bcc=_recipients(form.get("bcc", "")), body={"text": form.get("body", "")},
            client={"app": "console", "version": ""})
        return to_message(request, max_recipients)
    except RequestError as exc:
        raise TryInputError(str(exc), (exc.field or "to").split(".")[0]) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise TryInputError(first["msg"], str(first["loc"][0])) from None


def _recipients(text: str) -> list[RecipientIn]:
    """One or more per line: 'a@x.org, Pat Doe <pat@y.org>; c@z.org'."""
    lines = [line.replace(";", ",") for line in text.splitlines() if line.strip()]
    return [RecipientIn(address=address, name=name)
            for name, address in email.utils.getaddresses(lines) if address or name]
