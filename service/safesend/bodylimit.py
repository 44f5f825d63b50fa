"""The request size limit, enforced while a chunked body is read.

A body sent with `Transfer-Encoding: chunked` has no Content-Length for
Flask to refuse up front, and Werkzeug only stops reading at the limit: the
truncated JSON then failed to parse (400 invalid_json, after the server had
buffered it all). This WSGI wrapper counts the bytes as the app reads them
and raises 413 as soon as one byte more than the limit arrives.
"""

from __future__ import annotations

from werkzeug.exceptions import RequestEntityTooLarge


class LimitChunkedBodies:
    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    def __call__(self, environ, start_response):
        if not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input") is not None:
            environ["wsgi.input"] = CappedInput(environ["wsgi.input"], self.limit)
        return self.app(environ, start_response)


class CappedInput:
    """A wsgi.input that raises RequestEntityTooLarge past `limit` bytes."""

    def __init__(self, stream, limit: int):
        self.stream, self.limit, self.seen = stream, limit, 0

    def _count(self, data: bytes) -> bytes:
        self.seen += len(data)
        if self.seen > self.limit:
            raise RequestEntityTooLarge()
        if self.seen == self.limit and self.stream.read(1):  # a reader asking for exactly the limit
            raise RequestEntityTooLarge()
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self.limit + 1 - self.seen
        return self._count(self.stream.read(max(0, min(size, self.limit + 1 - self.seen))))

    def readline(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self.limit + 1 - self.seen
        return self._count(self.stream.readline(max(0, min(size, self.limit + 1 - self.seen))))

    def __iter__(self):
        while line := self.readline(64 * 1024):
            yield line
