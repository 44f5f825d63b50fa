"""The API's bounds on URLs, identifiers and pages: enforced here, stated in the OpenAPI document."""

from __future__ import annotations

import re

from flask import Flask, request
from werkzeug.exceptions import RequestURITooLarge

# Longer URLs are refused with a JSON 414 before routing (the servers in front allow longer).
MAX_URI_BYTES = 8192
# Row ids are 32-bit on every database SafeSend runs on; a larger one names nothing.
MAX_ID = 2**31 - 1
MAX_PAGE = 500
# A filter value (sender, rule) longer than an email address can be names nothing.
MAX_TEXT_ARG = 320
# Check ids are uuid4().hex (engine.py).
CHECK_ID_PATTERN = "^[0-9a-f]{32}$"
_CHECK_ID = re.compile(CHECK_ID_PATTERN)


def is_check_id(value: str) -> bool:
    return _CHECK_ID.fullmatch(value) is not None


def init_app(app: Flask) -> None:
    @app.before_request
    def _uri_length():
        if len(request.path.encode()) + len(request.query_string) > MAX_URI_BYTES:
            raise RequestURITooLarge(f"The URL is longer than {MAX_URI_BYTES} bytes.")
