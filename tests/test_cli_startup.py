"""`safesend check` of a text-only message starts no extraction worker and,
on a database that is ready, runs no migration check; an attachment that
needs a worker still gets one."""

from __future__ import annotations

import json
import subprocess
import sys

from messages import eml_bytes, parents
from safesend.extract import isolation
from safesend.extract.model import ExtractLimits
from safesend.extract.walk import extract_attachments

PROBE = """
import json, sys
from safesend.cli import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code
from safesend.extract import isolation
print(json.dumps({"exit": code, "workers_started": isolation._default is not None,
                  "alembic_imported": "alembic" in sys.modules}))
"""


def _probe(tmp_path, *args) -> dict:
    env = {"SAFESEND_INSTANCE_PATH": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True,
                          text=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_text_only_check_starts_no_worker_and_no_migration(tmp_path):
    small = tmp_path / "small.eml"
    small.write_bytes(eml_bytes(to=parents(3)))
    first = _probe(tmp_path, "check", str(small))  # a new instance: the database is created
    assert first["exit"] == 0
    assert first["alembic_imported"] is True
    assert first["workers_started"] is False
    again = _probe(tmp_path, "check", str(small))
    assert again == {"exit": 0, "workers_started": False, "alembic_imported": False}


def test_attachment_that_needs_a_worker_still_gets_one(tmp_path):
    previous = isolation.set_default_pool(None)
    try:
        text_only = extract_attachments([("notes.txt", "text/plain", b"hello")], ExtractLimits())
        assert text_only.segments and isolation._default is None
        # A .docx is parsed only in a worker: the pool starts on demand.
        import io

        import docx

        document = docx.Document()
        document.add_paragraph("Field trip list")
        buffer = io.BytesIO()
        document.save(buffer)
        result = extract_attachments([("trip.docx", None, buffer.getvalue())], ExtractLimits())
        assert isolation._default is not None
        assert not result.problems
        assert any("Field trip list" in s.text for s in result.segments)
    finally:
        isolation.shutdown()
        isolation.set_default_pool(previous)
