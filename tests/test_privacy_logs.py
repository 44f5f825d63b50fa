"""No request value ever reaches a log: validation errors are 4xx, and a
logged traceback keeps its frames but drops every exception message."""

from __future__ import annotations

import logging

import pytest

CANARY = "Zebulon Quartermaine"


@pytest.mark.parametrize("field", ["to", "cc", "bcc"])
def test_a_long_plain_string_recipient_is_a_400_that_logs_nothing(client, auth, caplog, field):
    caplog.set_level(logging.DEBUG)
    address = CANARY.replace(" ", ".") + "x" * 600 + "@example.org"
    response = client.post("/api/v1/checks", headers=auth["client"],
                           json={"sender": "t@district.example.org", field: [address]})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.json["error"]["field"].startswith(f"{field}.0")
    assert "Zebulon" not in response.get_data(as_text=True)
    assert "Zebulon" not in caplog.text


def test_an_unexpected_error_logs_where_it_happened_but_no_value(app, caplog):
    """An exception whose message quotes the request (as pydantic's and the
    database drivers' do) is logged as frames and a type name only."""
    from flask import request

    @app.post("/api/v1/test-only-failure")
    def failing_route():
        raise ValueError(f"cannot use {request.get_json()['name']!r}")

    caplog.set_level(logging.DEBUG)
    response = app.test_client().post("/api/v1/test-only-failure", json={"name": CANARY})
    assert response.status_code == 500 and response.json["error"]["code"] == "internal_error"
    assert "failing_route" in caplog.text and "builtins.ValueError" in caplog.text
    assert "Zebulon" not in caplog.text


def test_chained_exceptions_lose_every_message(app, caplog):
    log = logging.getLogger("safesend.test")
    try:
        try:
            raise KeyError(CANARY)
        except KeyError as inner:
            raise RuntimeError(f"while reading {CANARY}") from inner
    except RuntimeError:
        log.exception("reading failed")
    assert "builtins.KeyError" in caplog.text and "builtins.RuntimeError" in caplog.text
    assert "Zebulon" not in caplog.text


def test_an_exception_escaping_a_thread_is_logged_without_its_message(app, caplog, capfd):
    import threading

    def work():
        raise ValueError(f"bad row for {CANARY}")

    thread = threading.Thread(target=work, name="lookup")
    thread.start()
    thread.join()
    output = capfd.readouterr()
    assert "uncaught exception in thread lookup" in caplog.text and "builtins.ValueError" in caplog.text
    assert "Zebulon" not in caplog.text + output.err + output.out


def test_an_exception_escaping_a_process_main_thread_is_logged_without_its_message(tmp_path):
    """A scan process's loop (or any process that installed logsafe) dying of an exception:
    Python's own hook would print the exception's message, which may quote a value."""
    import subprocess
    import sys

    program = ("import logging; from safesend import logsafe; logsafe.install(); logging.basicConfig(); "
               f"raise ValueError('bad row for {CANARY}')")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert done.returncode == 1
    assert "uncaught exception" in done.stderr and "ValueError" in done.stderr
    assert "Zebulon" not in done.stderr + done.stdout
