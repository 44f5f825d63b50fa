"""A big request body of known length is taken from the server in one read (Werkzeug's
64 KB pieces made gunicorn copy what it held beyond each piece: ~110 copies of up to
7 MB for one attachment, holding the interpreter lock), and read the same: the check
sees the attachment, and a short body is a clean 400."""

from __future__ import annotations

import base64
import io
import json

from werkzeug.test import EnvironBuilder

from messages import check_request, parents
from safesend.bodylimit import WholeBodyInput


class RecordingStream(io.BytesIO):
    """The server's wsgi.input: records the size of every read asked of it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.asked: list[int] = []

    def read(self, size=-1):
        self.asked.append(size)
        return super().read(size)

    def readinto(self, buffer):
        self.asked.append(len(buffer))
        return super().readinto(buffer)

    def readline(self, size=-1):
        self.asked.append(size)
        return super().readline(size)


def _post(app, headers: dict, body: bytes, length: int | None = None):
    stream = RecordingStream(body)
    environ = EnvironBuilder(path="/api/v1/checks", method="POST", headers=headers,
                             content_type="application/json", input_stream=stream).get_environ()
    environ["CONTENT_LENGTH"] = str(len(body) if length is None else length)
    status = []
    reply = b"".join(app(environ, lambda s, h, exc_info=None: status.append(s)))
    return int(status[0].split()[0]), json.loads(reply), stream.asked


def _with_attachment(size: int) -> bytes:
    rows = "\n".join(f"Student Number,{100000 + i}" for i in range(size // 22))
    request = check_request(to=parents(3), attachments=[{
        "name": "notes.csv", "content_type": "text/csv",
        "content_base64": base64.b64encode(rows.encode()).decode()}])
    return json.dumps(request).encode()


def test_a_big_body_is_read_from_the_server_in_one_call_and_checked(app, auth):
    body = _with_attachment(600 * 1024)
    status, verdict, asked = _post(app, auth["client"], body)
    assert status == 200, verdict
    assert asked == [len(body)]
    assert "unscannable_attachment" not in {f["rule"] for f in verdict["findings"]}


def test_a_body_shorter_than_its_length_is_a_400_not_a_crash(app, auth):
    body = _with_attachment(200 * 1024)
    status, reply, _ = _post(app, auth["client"], body[: len(body) // 2], length=len(body))
    assert status == 400
    assert reply["error"]["code"] in ("invalid_json", "bad_request")


def test_pieces_lines_and_whole_reads_give_the_same_bytes():
    data = b"".join(b"line %d\n" % i for i in range(20000)) + b"no newline at the end"
    assert b"".join(iter(WholeBodyInput(io.BytesIO(data), len(data)))) == data
    whole = WholeBodyInput(io.BytesIO(data), len(data))
    assert whole.read() == data and whole.read(10) == b""
    parts, stream = [], WholeBodyInput(io.BytesIO(data), len(data))
    buffer = bytearray(65536)
    while n := stream.readinto(buffer):
        parts.append(bytes(buffer[:n]))
    assert b"".join(parts) == data
    cut = WholeBodyInput(io.BytesIO(data[:100]), len(data))  # the client stopped early
    assert cut.read(1000) == data[:100] and cut.read(1000) == b""
