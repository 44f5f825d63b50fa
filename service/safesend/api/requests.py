"""Reading request bodies and query strings into validated values."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta

from flask import request
from pydantic import BaseModel, ValidationError

from ..actions import ACTIONS
from ..store.check_log import LogFilter
from .errors import ApiError, validation_error
from .json_values import normalized
from .limits import MAX_ID, MAX_PAGE, MAX_TEXT_ARG

_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,12}")


def json_body(model: type[BaseModel]):
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the request as application/json.")
    data = _parsed_body()
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None
    except RecursionError:
        raise ApiError(400, "invalid_json", "The request body is nested too deeply.") from None


def _parsed_body():
    """The JSON body as json_values.normalized gives it (None when it is not JSON), without
    walking every value of every request: whole floats become ints as they are parsed,
    and only a body that can hold a NUL is walked for one."""
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw, parse_float=_number)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
    # The parser refuses a raw NUL in a string, so in UTF-8 one arrives escaped; a UTF-16
    # or UTF-32 body (zero bytes throughout) is walked whatever it holds.
    if b"\x00" in raw or _escaped_nul(raw):
        try:
            return normalized(data)
        except RecursionError:
            raise ApiError(400, "invalid_json", "The request body is nested too deeply.") from None
    return data


_BACKSLASHES_LOOKED_AT = 256


def _escaped_nul(raw: bytes) -> bool:
    """Whether `raw` holds "\\u0000". Searching 7 MB of base64 for those six bytes took
    ~4.6 ms holding the interpreter lock; looking for a backslash (memchr) takes ~0.3 ms,
    and a JSON body has few: at each one, is it the escape? Past a few hundred, the
    six-byte search."""
    at = raw.find(b"\\")
    for _ in range(_BACKSLASHES_LOOKED_AT):
        if at < 0:
            return False
        if raw.startswith(b"u0000", at + 1):
            return True
        at = raw.find(b"\\", at + 2)  # the escaped character is not the start of another escape
    return at >= 0 and raw.find(b"\\u0000", at) >= 0


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def paging() -> tuple[int, int]:
    limit = _int_arg("limit", 50)
    offset = _int_arg("offset", 0)
    if not 1 <= limit <= MAX_PAGE:
        raise ApiError(400, "invalid_parameter", f"limit must be between 1 and {MAX_PAGE}", "limit")
    if not 0 <= offset <= MAX_ID:
        raise ApiError(400, "invalid_parameter", f"offset must be between 0 and {MAX_ID}", "offset")
    return limit, offset


def check_filter() -> LogFilter:
    action = request.args.get("action") or None
    if action and action not in ACTIONS:
        raise ApiError(400, "invalid_parameter", f"action must be one of {', '.join(ACTIONS)}",
                       "action")
    return LogFilter(
        sender=_text_arg("sender").strip().lower(),
        rule=_text_arg("rule"),
        action=action or "",
        since=_date_arg("since", end=False),
        until=_date_arg("until", end=True),
    )


def _text_arg(name: str) -> str:
    raw = normalized(request.args.get(name) or "")
    if len(raw) > MAX_TEXT_ARG:
        raise ApiError(400, "invalid_parameter", f"{name} is longer than {MAX_TEXT_ARG} characters", name)
    return raw


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    # Plain ASCII digits only: int() would also take " 5", "+5", "5_000" and "٥".
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise ApiError(400, "invalid_parameter", f"{name} must be a whole number", name)
    return int(raw)


# RFC 3339, as the OpenAPI document says (format date / date-time): Python's fromisoformat
# alone would also take "2026-01-31T10" or a date-time without an offset.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
                        r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})")


def _date_arg(name: str, end: bool) -> datetime | None:
    """ISO date or date-time; a bare `until` date includes that whole day."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        if _DATE.fullmatch(raw):
            moment = datetime.combine(date.fromisoformat(raw), time.min, tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        if not _DATE_TIME.fullmatch(raw):
            raise ValueError(raw)
        return datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "invalid_parameter", f"{name} must be an ISO date (2026-01-31) or "
                       "date-time with its offset (2026-01-31T08:00:00Z)", name) from None
