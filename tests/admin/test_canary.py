"""The canary test: a unique made-up word in every request field, every
attachment format, file name, recipient name and roster column; a worker
crashed and one killed for memory on the way. Then the database (every
table, and the SQLite file itself), the logs (every logger, and the process's
own stdout/stderr, where workers would write) and every export are searched:
no canary may appear, except the justification the sender typed, which the
override log exists to keep."""

from __future__ import annotations

import base64
import io
import json
import logging
import random
import string
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from admin.console_helpers import PASSWORD, csrf_token, post_form
from sqlalchemy import LargeBinary, select

from safesend.extract import isolation

FIELDS = ("first", "last", "plan", "guardian", "column", "subject", "body", "html", "to_name",
          "to_addr", "cc_addr", "bcc_name", "app", "version", "docx", "xlsx", "csv", "pdf", "pptx",
          "eml_subject", "eml_body", "eml_inner_name", "zip_member", "name_docx", "name_xlsx",
          "name_csv", "name_pdf", "name_pptx", "name_eml", "name_zip", "name_crash", "name_memory",
          "try_subject", "try_body", "try_to", "signin_email", "justification")


def _word(rng: random.Random) -> str:
    # Letters only, so name matching and normalising treat it as a name.
    return "Zq" + "".join(rng.choice(string.ascii_lowercase) for _ in range(10))


@pytest.fixture
def canaries():
    rng = random.Random()
    return {field: _word(rng) for field in FIELDS}


@pytest.fixture
def crashing_pool():
    """Real worker processes with the test-only misbehaving formats (crash, memory)."""
    pool = isolation.WorkerPool(size=2, test_hooks=True)
    assert pool.wait_ready(60), "extract workers did not start"
    previous = isolation.set_default_pool(pool)
    yield pool
    isolation.set_default_pool(previous)
    pool.close()


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    return _saved(document)


def _xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    return _saved(workbook)


def _pptx(text: str) -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    slide.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(1)).text_frame.text = text
    return _saved(deck)


def _pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.cell(0, 8, text)
    return bytes(pdf.output())


def _eml(subject: str, body: str, inner_name: str, inner: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = "counselor@district.example.org"
    message["To"] = "teacher@district.example.org"
    message["Subject"] = subject
    message.set_content(body)
    message.add_attachment(inner, maintype="text", subtype="csv", filename=inner_name)
    return bytes(message)


def _saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _attachment(name: str, data: bytes, content_type: str = "application/octet-stream") -> dict:
    return {"name": name, "content_type": content_type,
            "content_base64": base64.b64encode(data).decode("ascii")}


def _check_request(c: dict, student: str, student_id: str) -> dict:
    csv_rows = f"Student,Student ID,Note\n{student},{student_id},{c['csv']}\n".encode()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(f"{c['zip_member']}.txt", f"{student} {c['zip_member']}")
    return {
        "sender": "teacher@district.example.org",
        "to": [{"address": f"{c['to_addr']}@gmail.com", "name": c["to_name"]}],
        "cc": [f"{c['cc_addr']}@gmail.com"],
        "bcc": [{"address": "family@gmail.com", "name": c["bcc_name"]}],
        "subject": f"About {c['subject']}",
        "body": {"text": f"{student} ({student_id}) {c['body']} has a 504 plan meeting.",
                 "html": f"<p>{c['html']} {student}</p>"},
        "attachments": [
            _attachment(f"{c['name_docx']}.docx", _docx(f"{student} {c['docx']} IEP goals")),
            _attachment(f"{c['name_xlsx']}.xlsx", _xlsx([["Student", "Student ID", "Plan"],
                                                         [student, student_id, c["xlsx"]]])),
            _attachment(f"{c['name_csv']}.csv", csv_rows, "text/csv"),
            _attachment(f"{c['name_pdf']}.pdf", _pdf(f"{student} {c['pdf']}"), "application/pdf"),
            _attachment(f"{c['name_pptx']}.pptx", _pptx(f"{student} {c['pptx']}")),
            _attachment(f"{c['name_eml']}.eml", _eml(c["eml_subject"], f"{student} {c['eml_body']}",
                                                     f"{c['eml_inner_name']}.csv", csv_rows),
                        "message/rfc822"),
            _attachment(f"{c['name_zip']}.zip", archive.getvalue(), "application/zip"),
            # Real workers, really dying: one aborts, one exceeds its memory cap.
            _attachment(f"{c['name_crash']}.bin", b"SAFESEND-TEST-HOOK: crash"),
            _attachment(f"{c['name_memory']}.bin", b"SAFESEND-TEST-HOOK: memory"),
        ],
        "client": {"app": c["app"], "version": c["version"]},
    }


def _database_text(services) -> str:
    """Every row of every table, binary columns included, as one string."""
    from safesend.store.models import Base

    parts = []
    with services.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    if isinstance(column.type, LargeBinary) and value is not None:
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(json.dumps(value, default=str, ensure_ascii=False))
    return "\n".join(parts)


def _files_text(folder: Path) -> str:
    """Raw bytes of every file under `folder`: the SQLite database and its WAL,
    the audit heads, anything else the service wrote."""
    return "\n".join(path.read_bytes().decode("latin-1") for path in sorted(folder.rglob("*"))
                     if path.is_file())


def _cli_exports(monkeypatch, tmp_path, database_url) -> str:
    from click.testing import CliRunner

    from safesend.cli import main

    monkeypatch.setenv("SAFESEND_DATABASE_URL", database_url)
    monkeypatch.setenv("SAFESEND_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    runner = CliRunner()
    out = []
    for command in (["overrides", "export", "--format", "csv"], ["overrides", "export", "--format", "json"],
                    ["roster", "show"], ["audit", "verify"], ["user", "list"]):
        result = runner.invoke(main, command)
        assert result.exit_code in (0, 1), (command, result.output[-500:])
        out.append(result.output)
    return "\n".join(out)


def test_no_canary_survives_outside_the_justification(app, auth, console, canaries, crashing_pool,
                                                       caplog, capfd, monkeypatch, tmp_path,
                                                       database_url):
    caplog.set_level(logging.DEBUG)
    c = canaries
    client = app.test_client()
    student_id = "".join(random.choice(string.digits[1:]) for _ in range(8))
    student = f"{c['first']} {c['last']}"
    roster = (f"Student Number,First Name,Last Name,Plan,Guardian Email,{c['column']}\n"
              f"{student_id},{c['first']},{c['last']},{c['plan']},{c['guardian']}@gmail.com,{c['column']}\n"
              "40000001,Ana,Lopez,IEP,,\n")
    imported = client.put("/api/v1/roster", headers={**auth["it"], "Content-Type": "text/csv"}, data=roster)
    assert imported.status_code == 200 and imported.json["students"] == 2, imported.get_data(as_text=True)

    kills = crashing_pool.kills
    verdict = client.post("/api/v1/checks", headers=auth["client"],
                          json=_check_request(c, student, student_id))
    assert verdict.status_code == 200, verdict.get_data(as_text=True)[:500]
    body = verdict.json
    assert crashing_pool.kills > kills, "no worker was killed"
    unscannable = {name for f in body["findings"] if f["rule"] == "unscannable_attachment"
                   for name in f["attachments"]}
    assert f"{c['name_crash']}.bin" in unscannable and f"{c['name_memory']}.bin" in unscannable
    assert body["students_matched"] >= 1                 # the roster student was found
    assert body["action"] in ("warn", "confirm")
    override = client.post(f"/api/v1/checks/{body['check_id']}/overrides", headers=auth["client"],
                           json={"justification": f"{c['justification']} agreed by the family"})
    assert override.status_code == 201, override.get_data(as_text=True)[:300]

    # The console's "Try a message" and a failed sign-in are requests too.
    tried = post_form(console["it"], "/admin/try", {"sender": "teacher@district.example.org",
                      "to": f"{c['try_to']}@gmail.com",
                      "subject": c["try_subject"], "body": f"{student} {c['try_body']}"}, page="/admin/try")
    assert tried.status_code == 200
    stranger = app.test_client()
    stranger.post("/admin/signin", data={"email": f"{c['signin_email']}@district.example.org",
                                         "password": "not " + PASSWORD, "csrf_token": csrf_token(stranger)})

    admin = console["it"]
    exports = []
    for path in ("/api/v1/checks", "/api/v1/overrides", "/api/v1/overrides?format=csv", "/api/v1/roster",
                 "/api/v1/policy"):
        response = client.get(path, headers=auth["admin"])
        if response.status_code == 403:
            response = client.get(path, headers=auth["it"])
        assert response.status_code == 200, path
        exports.append(response.get_data(as_text=True))
    for path in ("/admin/", "/admin/log", "/admin/log.csv", f"/admin/log/{body['check_id']}",
                 "/admin/audit", "/admin/roster", "/admin/access"):
        response = admin.get(path)
        if response.status_code == 403:
            response = console["admin"].get(path)
        assert response.status_code == 200, path
        exports.append(response.get_data(as_text=True))
    exports.append(_cli_exports(monkeypatch, tmp_path, database_url))

    services = app.extensions["safesend"]
    process_output = capfd.readouterr()
    places = {
        "database": _database_text(services),
        "instance folder (SQLite file, WAL, audit heads)": _files_text(Path(app.instance_path)),
        "logs": caplog.text,
        "process stdout/stderr (workers included)": process_output.out + process_output.err,
        "exports": "\n".join(exports),
    }
    found = {(field, place) for field, word in c.items() for place, text in places.items()
             if word.lower() in text.lower()}
    allowed = {("justification", "database"), ("justification", "exports"),
               ("justification", "instance folder (SQLite file, WAL, audit heads)")}
    leaks = sorted(found - allowed)
    assert not leaks, f"{len(leaks)} canaries found: " + "; ".join(f"{f} in {p}" for f, p in leaks)
    assert ("justification", "exports") in found          # the search itself works
    assert ("justification", "database") in found
