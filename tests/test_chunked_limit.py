"""A chunked request body over the size limit gets 413 while it is being read,
under both servers the project runs (gunicorn, and waitress via `safesend serve`)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

LIMIT = 1024 * 1024
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["gunicorn", "waitress"])
def server(request, tmp_path):
    env = {**os.environ, "SAFESEND_INSTANCE_PATH": str(tmp_path / "instance"),
           "SAFESEND_SECRET_KEY": "chunked-test", "SAFESEND_MAX_REQUEST_BYTES": str(LIMIT),
           "SAFESEND_EXTRACT_WORKERS": "1"}
    env.pop("SAFESEND_TESTING", None)
    subprocess.run([BIN / "safesend", "db", "upgrade"], env=env, check=True, capture_output=True)
    key = subprocess.run([BIN / "safesend", "apikey", "create", "--role", "client"], env=env, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    port = _free_port()
    if request.param == "gunicorn":
        argv = [BIN / "gunicorn", "-w", "1", "-k", "gthread", "--threads", "2", "-b", f"127.0.0.1:{port}",
                "safesend.wsgi:application()"]
    else:
        argv = [BIN / "safesend", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port, key
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _post_chunked(port: int, key: str, payload_bytes: int) -> tuple[int, bytes, int]:
    """Send a JSON body in 64 KB chunks; return (status, body, bytes sent before the reply)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall(f"POST /api/v1/checks HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {key}\r\n"
                 "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
    head = json.dumps({"sender": "teacher@district.example.org", "to": ["p@example.com"],
                       "body": {"text": ""}})[:-3].encode()  # ...,"body": {"text": "   <- open string
    chunks = [head] + [b"a" * 65536] * (payload_bytes // 65536) + [b'"}}']
    sent = 0
    try:
        for chunk in chunks:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        sock.sendall(b"0\r\n\r\n")
    except OSError:  # the server answered and closed before the end
        pass
    reply = b""
    while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
        data = sock.recv(65536)
        if not data:
            break
        reply += data
    sock.close()
    status = int(reply.split(b" ", 2)[1])
    return status, reply.split(b"\r\n\r\n", 1)[1], sent


def test_chunked_body_over_the_limit_is_413(server, request):
    port, key = server
    status, body, sent = _post_chunked(port, key, 5 * LIMIT)
    assert status == 413
    if request.node.callspec.params["server"] == "gunicorn":
        assert json.loads(body)["error"]["code"] == "request_too_large"
    else:  # waitress buffers bodies itself and refuses at its own max_request_body_size
        assert b"Request Entity Too Large" in body


def test_chunked_body_under_the_limit_is_checked(server):
    port, key = server
    status, body, _ = _post_chunked(port, key, LIMIT // 2)
    assert status == 200, body
    assert json.loads(body)["action"]
