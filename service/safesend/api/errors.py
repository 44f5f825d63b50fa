"""Every API error is JSON: {"error": {"code", "message", "field"}}."""

from __future__ import annotations

from flask import Flask, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..auth import AuthError


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.field = status, code, field


def error_response(status: int, code: str, message: str, field: str | None = None):
    response = jsonify({"error": {"code": code, "message": message, "field": field}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="safesend"'
    return response


def validation_error(exc: ValidationError) -> ApiError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"] if not str(p).startswith("function-")) or None
    message = first["msg"]
    if first["type"] == "missing":
        message = "this field is required"
    return ApiError(400, "invalid_request", f"{field}: {message}" if field else message, field)


def _is_api() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, str(exc), exc.field)

    @app.errorhandler(AuthError)
    def _auth_error(exc: AuthError):
        return error_response(exc.status, exc.code, str(exc))

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc):
        limit = app.config.get("MAX_CONTENT_LENGTH") or 0
        return error_response(413, "request_too_large",
                              f"The request is larger than the {limit / 1024 / 1024:.0f} MB limit "
                              f"({limit} bytes). Large attachments cannot be checked.")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not _is_api():
            return _page_error(app, exc, exc.code or 500) or exc
        response = error_response(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"),
                                  exc.description or exc.name)
        # A 405 names the methods that are allowed (RFC 9110), in JSON as in HTML.
        for name, value in exc.get_headers():
            if name.lower() == "allow":
                response.headers["Allow"] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # Never echo internals (or content) to the caller; the log has the trace.
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        if not _is_api():
            return _page_error(app, exc, 500) or ("Internal error", 500)
        return error_response(500, "internal_error", "SafeSend hit an unexpected error.")


def _page_error(app: Flask, exc: Exception, status: int):
    """Outside the API, a part of the app with its own pages (the console) may answer
    with its own error page: app.extensions["page_errors"] callables return a response
    for their paths, None for others."""
    for render in app.extensions.get("page_errors", []):
        answer = render(exc, status)
        if answer is not None:
            return answer
    return None
