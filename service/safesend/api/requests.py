"""Reading request bodies and query strings into validated values."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import request
from pydantic import BaseModel, ValidationError

from ..actions import ACTIONS
from ..store.checks import CheckFilter
from .errors import ApiError, validation_error

MAX_PAGE = 500


def json_body(model: type[BaseModel]):
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the request as application/json.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None
    except RecursionError:
        raise ApiError(400, "invalid_json", "The request body is nested too deeply.") from None


def paging() -> tuple[int, int]:
    limit = _int_arg("limit", 50)
    offset = _int_arg("offset", 0)
    if not 1 <= limit <= MAX_PAGE:
        raise ApiError(400, "invalid_parameter", f"limit must be between 1 and {MAX_PAGE}", "limit")
    if offset < 0:
        raise ApiError(400, "invalid_parameter", "offset must not be negative", "offset")
    return limit, offset


def check_filter() -> CheckFilter:
    action = request.args.get("action") or None
    if action and action not in ACTIONS:
        raise ApiError(400, "invalid_parameter", f"action must be one of {', '.join(ACTIONS)}",
                       "action")
    return CheckFilter(
        sender=(request.args.get("sender") or "").strip().lower() or None,
        rule=request.args.get("rule") or None,
        action=action,
        since=_date_arg("since", end=False),
        until=_date_arg("until", end=True),
    )


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter", f"{name} must be a whole number", name) from None


def _date_arg(name: str, end: bool) -> datetime | None:
    """ISO date or date-time; a bare `until` date includes that whole day."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        if len(raw) == 10:
            moment = datetime.combine(date.fromisoformat(raw), time.min, tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter",
                       f"{name} must be an ISO date (2026-01-31) or date-time", name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
