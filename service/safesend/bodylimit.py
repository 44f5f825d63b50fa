"""Reading request bodies: the size limit, enforced while a chunked body is
read, and a big body of known length read from the server in one call.

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
        stream = environ.get("wsgi.input")
        if stream is not None:
            length = _declared_length(environ)
            if length is None:
                environ["wsgi.input"] = CappedInput(stream, self.limit)
            elif WHOLE_READ_FROM < length <= self.limit:  # over the limit: Werkzeug's 413, unread
                environ["wsgi.input"] = WholeBodyInput(stream, length)
        return self.app(environ, start_response)


WHOLE_READ_FROM = 64 * 1024  # Werkzeug's piece


def _declared_length(environ) -> int | None:
    """Content-Length, or None when it is absent or not a number. Werkzeug takes a value
    that is not a number as 0 but, behind a server that ends the stream itself (gunicorn,
    waitress), reads such a body to its end: so it is capped like a chunked one."""
    try:
        return max(0, int(environ.get("CONTENT_LENGTH") or ""))
    except ValueError:
        return None


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


class WholeBodyInput:
    """A wsgi.input of declared length whose first read takes the whole body from the
    server in one call; later reads are slices of it. A client that sends less gives
    what came, then b"" (Werkzeug reports the disconnect, as before)."""

    def __init__(self, stream, length: int):
        self.stream, self.length = stream, length
        self.data: bytes | None = None
        self.pos = 0

    def _whole(self) -> bytes:
        if self.data is None:
            self.data = bytes(self.stream.read(self.length))  # bytes(bytes) is not a copy
        return self.data

    def _end(self, size: int | None) -> int:
        data = self._whole()
        return len(data) if size is None or size < 0 else min(len(data), self.pos + size)

    def read(self, size: int | None = -1) -> bytes:
        start, self.pos = self.pos, self._end(size)
        piece = self.data[start:self.pos]  # the whole body when read at once: not a copy
        self._drop_when_done()
        return piece

    def readinto(self, buffer) -> int:
        start, self.pos = self.pos, self._end(len(buffer))
        count = self.pos - start
        buffer[:count] = memoryview(self.data)[start:self.pos]
        self._drop_when_done()
        return count

    def _drop_when_done(self) -> None:
        # The reader holds its own copy by now: this one need not live as long as the request.
        if self.pos >= len(self.data):
            self.data, self.pos = b"", 0

    def readline(self, size: int | None = -1) -> bytes:
        end = self._end(size)
        newline = self.data.find(b"\n", self.pos, end)
        return self.read((end if newline < 0 else newline + 1) - self.pos)

    def __iter__(self):
        while line := self.readline(64 * 1024):
            yield line
