"""Parse one file: pick the reader for its kind, turn every failure into a
plain-words problem. Runs inside an isolated worker (or in-process for
text, or when isolation is off). Never raises for bad input."""

from __future__ import annotations

import io
import os
import zipfile

from ..bugs import is_our_bug, where
from . import archive, images, legacy, mail, opendoc, pdf, reasons, rtf, slides, spreadsheet, text, wordproc
from .model import FileResult, Job
from .sink import Out, ScanStop
from .sniff import EXT_KINDS, LABELS, UNSUPPORTED, extension, refine_cfb, refine_zip

TEST_HOOKS_ENV = "SAFESEND_EXTRACT_TEST_HOOKS"

_ZIP_READERS = {
    "docx": wordproc.read_docx, "pptx": slides.read_pptx,
    "xlsx": spreadsheet.read_workbook, "xlsb": spreadsheet.read_workbook,
    "ods": spreadsheet.read_workbook,
    "odt": opendoc.read_opendoc, "odp": opendoc.read_opendoc, "odf": opendoc.read_opendoc,
}


def parse(job: Job) -> FileResult:
    out = Out(job)
    try:
        _READERS.get(job.kind, _unsupported)(job.data, out)
    except ScanStop as stop:
        out.problem(stop.reason)
    except MemoryError:
        out.result.recycle = True
        out.problem(reasons.MEMORY)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a library error (incl. Rust panics) means: damaged file
        if is_our_bug(exc):  # ...but a bug of ours is not the file's fault
            out.result.internal_error = where(exc)
            out.problem(reasons.INTERNAL)
        else:
            out.problem(reasons.damaged(_label(out)))
    return out.result


def _label(out: Out) -> str:
    """The format named in "it is damaged or not a valid ...": what the file
    turned out to be, else what its name says it is."""
    kind = out.result.kind
    if kind in ("zip", "cfb", "unknown"):
        kind = EXT_KINDS.get(extension(out.job.name), kind)  # the name only words the reason
    return LABELS.get(kind, "file")


def _unsupported(data: bytes, out: Out) -> None:
    """Formats we cannot read; or a readable format whose magic bytes were
    missing (only its name said what it is), which means it is damaged."""
    kind = out.job.kind
    if kind in UNSUPPORTED or kind not in LABELS:
        raise ScanStop(reasons.unreadable_format(LABELS.get(kind, "unknown binary")))
    raise ScanStop(reasons.damaged(LABELS[kind]))


def _read_zip_family(data: bytes, out: Out) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        kind = refine_zip(zf)
        out.result.kind = kind
        if kind in UNSUPPORTED:
            raise ScanStop(reasons.unreadable_format(LABELS[kind]))
        if kind == "zip":
            archive.read_archive(zf, len(data), out)
            return
        bomb = archive.bomb_reason(zf, len(data), out)
        if bomb:
            raise ScanStop(bomb)
        if kind in ("ods", "odt", "odp", "odf") and opendoc.is_encrypted(zf):
            raise ScanStop(reasons.PASSWORD)
        embedded = [i for i in zf.infolist() if not i.is_dir() and (
            "/embeddings/" in i.filename or out.limits.ocr and _is_media_picture(i.filename))]
    _ZIP_READERS[kind](data, out)
    if embedded and out.job.depth + 1 <= out.limits.max_depth:
        _take_out_embedded(data, embedded, out)


_PICTURES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp")


def _is_media_picture(path: str) -> bool:
    """A picture pasted into a Word, PowerPoint or Excel file (word/media/...):
    read with OCR like an attached one."""
    return "/media/" in path and path.lower().endswith(_PICTURES)


def _take_out_embedded(data: bytes, infos: list[zipfile.ZipInfo], out: Out) -> None:
    """Files embedded in an Office document (a spreadsheet pasted into a
    Word file, the workbook behind a chart) are scanned as children; they
    are optional: one we cannot read is not worth a warning."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in infos:
            out.check_time()
            if info.file_size <= min(out.limits.max_file_bytes, out.bytes_left):
                out.bytes_left -= info.file_size
                out.child(info.filename.rsplit("/", 1)[-1], None, zf.read(info), optional=True)


def _read_cfb_family(data: bytes, out: Out) -> None:
    import olefile

    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        streams = {"/".join(path).lower() for path in ole.listdir(streams=True, storages=True)}
        kind = refine_cfb(streams, out.job.name)
        out.result.kind = kind
        if kind == "ole":  # an embedded object: the file it wraps
            _take_out_ole(ole, streams, out)
            return
        if kind == "doc":
            legacy.read_doc(ole, out)
            return
        if kind == "ppt":
            legacy.read_ppt(ole, streams, out)
            return
    if kind == "ooxml-encrypted":
        raise ScanStop(reasons.PASSWORD)
    if kind == "xls":
        spreadsheet.read_workbook(data, out)
    elif kind == "msg":
        mail.read_msg(data, out)
    else:
        raise ScanStop(reasons.unreadable_format(LABELS[kind]))


def _take_out_ole(ole, streams: set[str], out: Out) -> None:
    if "package" in streams:  # an Office file embedded in another one
        out.child("embedded package", None, ole.openstream("package").read(), optional=True)
    elif "\x01ole10native" in streams:  # "Packager" object: any file
        name, data = ole10native(ole.openstream("\x01Ole10Native").read())
        out.child(name or "embedded file", None, data, optional=True)
    elif "contents" in streams:
        out.child("embedded contents", None, ole.openstream("contents").read(), optional=True)


def ole10native(raw: bytes) -> tuple[str, bytes]:
    """The file inside an OLE Packager stream: size, flags, label\\0,
    path\\0, 4 bytes, temp path (length-prefixed), data (length-prefixed)."""
    pos = 6
    label_end = raw.index(b"\0", pos)
    label = raw[pos:label_end].decode("latin-1")
    pos = raw.index(b"\0", label_end + 1) + 1 + 4
    temp_len = int.from_bytes(raw[pos:pos + 4], "little")
    pos += 4 + temp_len
    size = int.from_bytes(raw[pos:pos + 4], "little")
    return label, raw[pos + 4: pos + 4 + size]


def _test_hook(data: bytes, out: Out) -> None:
    """Misbehaving parsers on demand, to prove the worker kill paths. Only
    in workers started with SAFESEND_EXTRACT_TEST_HOOKS=1 (test pools)."""
    if os.environ.get(TEST_HOOKS_ENV) != "1":
        raise ScanStop(reasons.unreadable_format(LABELS["unknown"]))
    action = data.split(b":", 1)[1].split(b"\n", 1)[0].strip()  # padding may follow a newline
    if action == b"spin":  # pure Python, never checks the clock
        while True:
            pass
    if action == b"regex":  # stuck in C while holding the GIL
        import re

        re.match(r"(a+)+$", "a" * 64 + "b")
    if action == b"memory":
        _ = bytearray(64 * 1024 ** 3)
    if action == b"crash":
        os.abort()
    if action == b"cooperative":
        while True:
            out.check_time()
    if action.startswith(b"bug"):  # a programming error in our own code
        out.text(None, None + "")  # type: ignore[operator]
    out.text(None, "test hook")


_READERS = {
    "text": text.read_text, "csv": text.read_delimited, "tsv": text.read_delimited,
    "html": text.read_html, "xml": text.read_xml, "email": mail.read_email,
    "mbox": mail.read_mbox, "msg": mail.read_msg, "rtf": rtf.read_rtf, "pdf": pdf.read_pdf,
    "zip": _read_zip_family, "cfb": _read_cfb_family, "xls": spreadsheet.read_workbook,
    "testhook": _test_hook, "image": images.read_image,
}
