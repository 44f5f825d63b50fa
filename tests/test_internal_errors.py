"""SafeSend's own bugs while reading or scanning a file are not reported as
"damaged": they get their own reason, are logged without content (type and
module:line only, never a file name or text) and are counted on the dashboard."""

from __future__ import annotations

import base64
import logging

import pytest

from messages import DISTRICT, check_request, parents
from safesend.detect import scan_content
from safesend.extract import ExtractLimits, TextSegment, extract_attachments, isolation, reasons

SECRET_NAME = "Zebulon Quartermaine IEP.bin"
BUG_FILE = b"SAFESEND-TEST-HOOK: bug Zebulon"


@pytest.fixture
def hook_pool():
    pool = isolation.WorkerPool(size=1, test_hooks=True)
    assert pool.wait_ready(60), "extract workers did not start"
    previous = isolation.set_default_pool(pool)
    yield pool
    isolation.set_default_pool(previous)
    pool.close()


def test_a_bug_in_a_reader_is_an_internal_error_not_a_damaged_file(hook_pool, caplog):
    caplog.set_level(logging.DEBUG)
    extraction = extract_attachments([(SECRET_NAME, None, BUG_FILE)], ExtractLimits())
    assert [p.reason for p in extraction.problems] == [reasons.INTERNAL]
    assert reasons.INTERNAL == "SafeSend could not check this file: internal error"
    (error,) = extraction.internal_errors
    assert error.startswith("TypeError at safesend/extract/dispatch.py:")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "internal error" in logged and "TypeError at safesend/extract/dispatch.py:" in logged
    assert "Zebulon" not in logged and "Quartermaine" not in logged


def test_a_damaged_file_is_still_damaged(hook_pool):
    broken_docx = b"PK\x03\x04" + b"\x00" * 200
    extraction = extract_attachments([("minutes.docx", None, broken_docx)], ExtractLimits())
    assert extraction.problems and all(p.reason.startswith("it is damaged") for p in extraction.problems)
    assert extraction.internal_errors == []


def test_a_detector_bug_is_logged_without_content_and_reported(caplog):
    caplog.set_level(logging.DEBUG)
    # A caller handing the scanner bytes instead of text: a programming error.
    detections = scan_content([TextSegment("notes.txt", b"Pat Lee 504 plan"),  # type: ignore[arg-type]
                               TextSegment("ok.txt", "Pat Lee, grade 4")], [])
    assert detections.internal_errors == ("notes.txt",)
    assert detections.partial
    (error,) = detections.internal_error_locations
    assert error.startswith(("TypeError at safesend/", "AttributeError at safesend/"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert error in logged and "notes.txt" not in logged and "Pat Lee" not in logged


def test_internal_errors_are_an_unscannable_finding(make_app, make_key, hook_pool, caplog):
    app = make_app()
    it = {"Authorization": f"Bearer {make_key('it')}"}
    client_key = {"Authorization": f"Bearer {make_key('client')}"}
    client = app.test_client()
    assert client.put("/api/v1/policy", json={"internal_domains": [DISTRICT]}, headers=it).status_code == 200
    attachment = {"name": SECRET_NAME, "content_base64": base64.b64encode(BUG_FILE).decode()}
    response = client.post("/api/v1/checks", headers=client_key,
                           json=check_request(to=parents(2), attachments=[attachment]))
    assert response.status_code == 200
    (finding,) = [f for f in response.get_json()["findings"] if f["rule"] == "unscannable_attachment"]
    assert "internal error" in finding["detail"]
    assert "Zebulon" not in "\n".join(r.getMessage() for r in caplog.records)
