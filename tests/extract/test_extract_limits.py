"""Bad input never raises, hangs or exhausts memory: damaged, encrypted,
oversized, nested and hostile files become Unscannable with a reason."""

from __future__ import annotations

import io
import logging
import random
import subprocess
import sys
import threading
import time
import zipfile

import pytest
from extract import samples
from extract.samples import CORPORA, reasons, tables, texts

from safesend.extract import ExtractLimits, extract_attachments, isolation
from safesend.extract import reasons as reasons_module
from safesend.extract.isolation import GRACE_SECONDS

PASSWORD = "it is password-protected"
TIME = "the time limit for scanning was reached"
BOMB = "it expands to more than 100 times its size (possible zip bomb)"


# --- damaged files ---------------------------------------------------------------


@pytest.mark.parametrize("name, build, label", [
    ("plan.docx", samples.docx_plan, "Word document"),
    ("roster.xlsx", samples.xlsx_roster, "Excel workbook"),
    ("deck.pptx", samples.pptx_deck, "PowerPoint presentation"),
    ("letter.odt", samples.odt_letter, "OpenDocument text"),
])
def test_truncated_office_files_are_damaged(extract, name, build, label):
    data = build()
    result = extract(name, data[: len(data) // 2])
    assert reasons(result) == {name: f"it is damaged or not a valid {label}"}
    assert result.files_scanned == 0


def test_garbage_named_pdf_is_a_damaged_pdf(extract):
    result = extract("report.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 20)
    assert reasons(result) == {"report.pdf": "it is damaged or not a valid PDF"}


def test_zip_with_a_damaged_member_keeps_the_others(extract):
    noise = random.Random(7).randbytes(4000)  # incompressible: its deflate stream is long
    good = samples.zip_of({"a.txt": b"Maria Garcia", "b.txt": noise})
    broken = bytearray(good)
    second = broken.index(b"PK\x03\x04", 10)
    broken[second + 100: second + 120] = b"\xff" * 20  # corrupt b.txt's compressed data
    result = extract("docs.zip", bytes(broken))
    assert texts(result)["docs.zip › a.txt"] == "Maria Garcia"
    assert reasons(result) == {"docs.zip › b.txt": "it is damaged or not a valid ZIP archive member"}


# --- encrypted files -------------------------------------------------------------------


@pytest.mark.parametrize("name, build", [("plan.docx", samples.docx_plan),
                                         ("roster.xlsx", samples.xlsx_roster),
                                         ("deck.pptx", samples.pptx_deck)])
def test_password_protected_office_files(extract, name, build):
    pytest.importorskip("msoffcrypto")
    assert reasons(extract(name, samples.encrypted_ooxml(build()))) == {name: PASSWORD}


def test_encrypted_pdf_needs_a_password(extract):
    assert reasons(extract("report.pdf", samples.pdf_encrypted())) == {"report.pdf": PASSWORD}


def test_pdf_with_only_an_owner_password_is_read(extract):
    result = extract("report.pdf", samples.pdf_encrypted(user_password=""))
    assert result.problems == []
    assert "Maria Garcia" in texts(result)["report.pdf › page 1"]


def test_encrypted_zip_member(extract):
    data = samples.zip_with_encrypted_member("secret.xlsx", samples.xlsx_roster())
    assert reasons(extract("docs.zip", data)) == {"docs.zip › secret.xlsx": PASSWORD}


def test_encrypted_opendocument(extract):
    assert reasons(extract("letter.odt", samples.encrypted_odt())) == {"letter.odt": PASSWORD}


def test_encrypted_xls_from_the_corpora(extract):
    path = CORPORA / "tika" / "microsoft" / "testEXCEL_protected_passtika.xls"
    if not path.exists():
        pytest.skip(f"corpora not found at {CORPORA}")
    assert reasons(extract("old.xls", path.read_bytes())) == {"old.xls": PASSWORD}


# --- archives: bombs, depth, members --------------------------------------------------


def test_zip_bomb_member_beyond_the_ratio(extract):
    bomb = samples.zip_of({"zeros.csv": bytes(20 * 1024 * 1024), "note.txt": b"hi"})
    assert len(bomb) < 100 * 1024
    started = time.monotonic()
    result = extract("bomb.zip", bomb)
    assert reasons(result) == {"bomb.zip": BOMB}
    assert time.monotonic() - started < 2


def test_office_file_with_a_bomb_part(extract):
    out = io.BytesIO(samples.docx_plan())
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("word/media/padding.bin", bytes(30 * 1024 * 1024), zipfile.ZIP_DEFLATED)
    assert reasons(extract("plan.docx", out.getvalue())) == {"plan.docx": BOMB}


def test_archives_nested_beyond_the_depth(extract):
    data = samples.zip_of({"deep.txt": b"Maria Garcia"})
    for level in range(4, 0, -1):
        data = samples.zip_of({f"level{level}.zip": data})
    result = extract("outer.zip", data)  # outer > level1 > level2 > level3 > level4 > deep.txt
    assert reasons(result) == {
        "outer.zip › level1.zip › level2.zip › level3.zip": "archives are nested more than 3 deep"}
    assert not any("Maria" in s.text for s in result.segments)


def test_attached_emails_count_towards_the_depth(extract):
    message = samples.eml("innermost", "Maria Garcia")
    for level in range(4):
        message = samples.eml(f"level {level}", "see attached", messages=[message])
    result = extract("chain.eml", message)
    assert list(reasons(result).values()) == ["archives are nested more than 3 deep"]


def test_too_many_members(extract):
    members = {f"note{i:02d}.txt": f"note {i}".encode() for i in range(15)}
    result = extract("notes.zip", samples.zip_of(members), max_members=10)
    assert reasons(result) == {"notes.zip": "the archives hold more than 10 files"}
    assert len(result.segments) == 10


def test_member_budget_is_shared_by_all_attachments():
    files = [(f"part{n}.zip", None, samples.zip_of({f"{n}-{i}.txt": b"x" for i in range(4)}))
             for n in range(3)]
    result = extract_attachments(files, ExtractLimits(max_members=10))
    assert len(result.segments) == 10
    assert reasons(result) == {"part2.zip": "the archives hold more than 10 files"}


# --- size, text, rows, pages ----------------------------------------------------------


def test_file_over_the_size_limit(extract):
    result = extract("huge.csv", b"a,b\n" * (7 * 1024 * 1024))  # 28 MB
    assert reasons(result) == {"huge.csv": "it is larger than the 25 MB limit"}


def test_member_over_the_size_limit(extract):
    data = samples.zip_of({"big.txt": b"word " * 600_000, "small.txt": b"Maria"})
    result = extract("docs.zip", data, max_file_bytes=1024 * 1024)
    assert reasons(result) == {"docs.zip › big.txt": "it is larger than the 1 MB limit"}
    assert texts(result)["docs.zip › small.txt"] == "Maria"


def test_total_size_of_the_attachments():
    image = samples.tiny_png() + bytes(20 * 1024 * 1024)  # an icon with 20 MB of padding
    result = extract_attachments([(f"scan{i}.png", None, image) for i in range(3)], ExtractLimits())
    assert reasons(result) == {"scan2.png": "the attachments together are larger than the 50 MB limit"}
    assert result.files_scanned == 2


def test_text_budget_is_shared_and_truncates():
    result = extract_attachments([("a.txt", None, b"A" * 80), ("b.txt", None, b"B" * 80)],
                                 ExtractLimits(max_text_chars=100))
    assert texts(result) == {"a.txt": "A" * 80, "b.txt": "B" * 20}
    assert list(reasons(result)) == ["b.txt"]
    assert "more than 100 characters" in result.problems[0].reason


def test_rows_per_file(extract):
    data = "\n".join(f"Student {i},{6712345600 + i}" for i in range(10)).encode()
    result = extract("list.csv", data, max_rows=5)
    assert len(tables(result)["list.csv"]) == 5
    assert reasons(result) == {"list.csv": "it has more than 5 rows; only the first 5 were scanned"}


def test_pages_per_pdf(extract):
    result = extract("report.pdf", samples.pdf_pages(pages=3), max_pages=2)
    assert sorted(texts(result)) == ["report.pdf › page 1", "report.pdf › page 2"]
    assert reasons(result) == {"report.pdf": "it has more than 2 pages; only the first 2 were scanned"}


def test_slides_per_deck(extract):
    result = extract("deck.pptx", samples.pptx_deck(), max_pages=1)
    assert "deck.pptx › slide 2" not in texts(result)
    assert reasons(result) == {"deck.pptx": "it has more than 1 pages; only the first 1 were scanned"}


# --- hangs, memory, crashes: the worker is killed and replaced ---------------------


def _hook(action: str) -> bytes:
    return f"SAFESEND-TEST-HOOK: {action}".encode()


@pytest.mark.parametrize("action", ["spin", "regex"])
def test_parser_hang_is_killed_at_the_deadline(worker_pool, action):
    kills = worker_pool.kills
    started = time.monotonic()
    result = extract_attachments([("stuck.bin", None, _hook(action)), ("after.txt", None, b"later")],
                                 ExtractLimits(time_budget_seconds=1.0))
    elapsed = time.monotonic() - started
    assert reasons(result) == {"stuck.bin": TIME, "after.txt": TIME}
    assert elapsed < 1.0 + GRACE_SECONDS + 1.0
    assert worker_pool.kills == kills + 1
    # The pool replaced the worker: the next message is scanned normally.
    assert texts(extract_attachments([("ok.csv", None, b"a,b\n1,2\n"), ("r.rtf", None, samples.rtf_note())],
                                     ExtractLimits()))["r.rtf"].startswith("Note about")


def test_cooperative_deadline_stops_without_a_kill(worker_pool):
    kills = worker_pool.kills
    result = extract_attachments([("slow.bin", None, _hook("cooperative"))],
                                 ExtractLimits(time_budget_seconds=0.5))
    assert reasons(result) == {"slow.bin": TIME}
    assert worker_pool.kills == kills


def test_memory_cap(worker_pool):
    result = extract_attachments([("hog.bin", None, _hook("memory"))], ExtractLimits())
    assert reasons(result) == {"hog.bin": "it needs more memory to scan than is allowed"}


def test_crashing_parser(worker_pool):
    result = extract_attachments([("crash.bin", None, _hook("crash")), ("ok.txt", None, b"fine")],
                                 ExtractLimits())
    assert reasons(result) == {"crash.bin": "the scanner stopped unexpectedly on it (it may be damaged)"}
    assert texts(result) == {"ok.txt": "fine"}


def test_hooks_do_nothing_outside_test_workers():
    result = extract_attachments([("x.bin", None, _hook("spin"))], ExtractLimits(isolate=False))
    assert reasons(result) == {"x.bin": "its format (unknown binary) cannot be read"}


def test_threads_share_the_pool():
    """As in a multi-threaded server (waitress): more requests than workers."""
    results: dict[int, object] = {}

    def check(index: int) -> None:
        files = [(f"r{index}.xlsx", None, samples.xlsx_roster()), ("d.docx", None, samples.docx_plan())]
        results[index] = extract_attachments(files, ExtractLimits())

    threads = [threading.Thread(target=check, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 6
    for index, result in results.items():
        assert result.problems == []
        assert tables(result)[f"r{index}.xlsx › Roster"][1][0] == "Student"


def test_workers_stop_at_interpreter_exit():
    script = ("import sys; from safesend.extract import warm_up, isolation; warm_up(); "
              "print(' '.join(str(w.proc.pid) for w in isolation.default_pool()._all)); sys.stdout.flush()")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    pids = [int(p) for p in done.stdout.split()]
    assert pids
    time.sleep(0.5)
    for pid in pids:
        assert not _alive(pid), f"worker {pid} outlived its parent"


def test_workers_die_with_a_killed_parent_even_when_stuck_in_c():
    """gunicorn SIGKILLs a timed-out worker: its scanner processes must not linger."""
    script = """if True:
        import sys, threading, time
        from safesend.extract import ExtractLimits, isolation
        from safesend.extract.model import Job
        pool = isolation.WorkerPool(size=1, test_hooks=True)
        pool.wait_ready()
        job = Job("x", "x", None, "testhook", b"SAFESEND-TEST-HOOK: regex", 0, ExtractLimits(),
                  60, 100, 1, 100)
        threading.Thread(target=pool.run, args=(job, time.monotonic() + 60), daemon=True).start()
        time.sleep(0.5)
        print(" ".join(str(w.proc.pid) for w in pool._all), flush=True)
        time.sleep(60)
    """
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert pids and all(_alive(pid) for pid in pids)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)


def test_forked_server_workers_get_their_own_pool():
    """gunicorn forks its workers from a master that may have imported (and
    warmed) us: a forked child must start its own pool, and the parent's
    pool must keep working."""
    script = """if True:
        import os
        from safesend.extract import ExtractLimits, extract_attachments, isolation, warm_up
        warm_up()
        inherited = isolation.default_pool()
        pid = os.fork()
        if pid == 0:
            result = extract_attachments([("a.rtf", None, rb"{\\rtf1 child text}")], ExtractLimits())
            own_pool = isolation.default_pool() is not inherited
            ok = own_pool and [s.text for s in result.segments] == ["child text"]
            isolation.shutdown()
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        result = extract_attachments([("b.rtf", None, rb"{\\rtf1 parent text}")], ExtractLimits())
        print(os.waitstatus_to_exitcode(status), [s.text for s in result.segments])
    """
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "0 ['parent text']", done.stderr[-500:]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_logs_never_hold_content(caplog):
    secret = "Maria Garcia 6712345612"
    files = [("roster.csv", None, f"name,id\n{secret}\n".encode()),
             ("plan.docx", None, samples.docx_plan()),
             ("stuck.bin", None, _hook("spin")),
             ("bad.pdf", None, b"%PDF-1.4 " + secret.encode())]
    with caplog.at_level(logging.DEBUG, logger="safesend"):
        extract_attachments(files, ExtractLimits(time_budget_seconds=1.0))
    assert caplog.records  # names and timings are logged ...
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Maria" not in logged and "6712345612" not in logged  # ... content never


# --- XML and entity bombs ------------------------------------------------------------


def _bombed(name: str, build, part: str) -> bytes:
    data = samples.replace_zip_member(build(), part, samples.with_entity_bomb)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"&lol9;" in archive.read(part)
    return data


BOMB_CASES = [
    ("plan.docx", lambda: _bombed("plan.docx", samples.docx_plan, "word/document.xml")),
    ("roster.xlsx", lambda: _bombed("roster.xlsx", samples.xlsx_roster, "xl/worksheets/sheet1.xml")),
    ("book.xlsx", lambda: _bombed("book.xlsx", samples.xlsx_roster, "xl/workbook.xml")),
    ("deck.pptx", lambda: _bombed("deck.pptx", samples.pptx_deck, "ppt/slides/slide1.xml")),
    ("letter.odt", lambda: _bombed("letter.odt", samples.odt_letter, "content.xml")),
    ("deck.odp", lambda: _bombed("deck.odp", samples.odp_deck, "content.xml")),
    ("roster.ods", lambda: _bombed("roster.ods", samples.ods_roster, "content.xml")),
    ("data.xml", lambda: samples.with_entity_bomb(b'<?xml version="1.0"?><r><a>Maria</a></r>')),
    ("image.svg", lambda: samples.with_entity_bomb(b'<svg xmlns="http://www.w3.org/2000/svg"><text>x</text></svg>')),
    ("page.html", lambda: samples.with_entity_bomb(b"<html><body><p>Maria</p></body></html>")),
]


@pytest.mark.parametrize("isolate", [False, True], ids=["in-process", "isolated"])
@pytest.mark.parametrize("name, build", BOMB_CASES, ids=[c[0] for c in BOMB_CASES])
def test_billion_laughs_is_never_expanded(name, build, isolate):
    """In-process too: the parsers themselves refuse to expand entities; the
    worker's memory cap is only the second line of defence."""
    data = build()
    started = time.monotonic()
    result = extract_attachments([(name, None, data)], ExtractLimits(isolate=isolate))
    assert time.monotonic() - started < 3
    produced = sum(len(s.text) for s in result.segments) + sum(
        len(c) for t in result.tables for row in t.rows for c in row)
    assert produced < 10_000, "entity references were expanded"
    for problem in result.problems:
        assert problem.reason.startswith("it is damaged"), problem


def test_time_running_out_inside_an_archive_is_reported_on_the_archive():
    members = {"a/stuck.bin": _hook("spin"), **{f"a/note{i}.txt": b"later" for i in range(5)}}
    result = extract_attachments([("docs.zip", None, samples.zip_of(members))],
                                 ExtractLimits(time_budget_seconds=1.0))
    assert reasons(result) == {"docs.zip › a/stuck.bin": TIME, "docs.zip": TIME}


def test_many_members_with_the_same_problem_are_one_problem(extract):
    raw = bytearray(samples.zip_of({f"f{i}.txt": b"x" for i in range(8)}))  # then flag all encrypted
    start = 0
    while (start := raw.find(b"PK\x03\x04", start)) >= 0:
        raw[start + 6] |= 0x01
        start += 4
    start = 0
    while (start := raw.find(b"PK\x01\x02", start)) >= 0:
        raw[start + 8] |= 0x01
        start += 4
    assert reasons(extract("locked.zip", bytes(raw))) == {"locked.zip": f"8 files in it: {PASSWORD}"}


def test_a_pool_that_cannot_start_workers_reports_instead_of_parsing_unguarded(monkeypatch):
    monkeypatch.setenv("SAFESEND_EXTRACT_PYTHON", "/bin/false")
    broken = isolation.WorkerPool(size=1)
    previous = isolation.set_default_pool(broken)
    try:
        assert not broken.wait_ready(10)
        result = extract_attachments([("plan.docx", None, samples.docx_plan()), ("a.txt", None, b"hello")],
                                     ExtractLimits())
    finally:
        isolation.set_default_pool(previous)
        broken.close()
    assert reasons(result) == {"plan.docx": isolation.UNAVAILABLE}
    assert texts(result) == {"a.txt": "hello"}  # small text is read in-process as always


def test_big_csv_and_text_are_read_in_process_without_a_worker(monkeypatch):
    """A 3 MB CSV and TXT: linear C parsing whose rows come to this process
    anyway, so no worker round trip (issue 17); the limits still apply."""
    from safesend.extract import walk

    def no_worker(self):
        raise AssertionError("a worker was asked for")

    monkeypatch.setattr(walk._Walk, "_worker_pool", no_worker)
    rows = [f"Student {n},{6700000000 + n},note {n}" for n in range(100_000)]
    data = ("name,id,note\r\n" + "\r\n".join(rows) + "\r\n").encode()
    assert len(data) > 3_000_000
    result = extract_attachments([("big.csv", "text/csv", data), ("big.txt", None, data)],
                                 ExtractLimits())
    assert result.problems == [] and result.internal_errors == []
    assert len(tables(result)["big.csv"]) == 100_001
    assert len(texts(result)["big.txt"]) == len(data.strip())
    capped = extract_attachments([("big.csv", "text/csv", data)], ExtractLimits(max_rows=1000))
    assert reasons(capped) == {"big.csv": reasons_module.too_many_rows(ExtractLimits(max_rows=1000))}


@pytest.mark.parametrize("action", ["crash", "spin", "memory"])
def test_logs_name_a_failed_file_by_position_never_by_name(worker_pool, caplog, action):
    """File names carry student names ("Zebulon Quartermaine IEP.xlsx")."""
    caplog.set_level(logging.DEBUG, logger="safesend")
    name = "Zebulon Quartermaine IEP.bin"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("Quartermaine notes.txt", "plain")
    result = extract_attachments([("Zebulon cover.txt", None, b"hello"),
                                  ("Zebulon pack.zip", None, archive.getvalue()),
                                  (name, None, _hook(action))],
                                 ExtractLimits(time_budget_seconds=4.0))
    assert name in reasons(result)                     # the sender is still told which file
    assert "attachment 3" in caplog.text               # the log says where it is...
    assert "Zebulon" not in caplog.text and "Quartermaine" not in caplog.text  # ...not what
