"""What kind of file is this? Magic bytes first, then the name and content type.

`sniff()` is cheap (it only looks at the first few KB) and runs in the web
process; it decides whether a file is read in-process (text) or sent to an
isolated worker. Containers that share a magic number (ZIP: docx/xlsx/odt/...;
OLE2: xls/msg/encrypted Office) are told apart by `refine_zip()` and
`refine_cfb()`, which open the container and so run in the worker.
"""

from __future__ import annotations

import posixpath
import re
import zipfile

# Kinds read in the web process: linear, bounded, no third-party parser.
IN_PROCESS = frozenset({"empty", "media", "text", "csv", "tsv"})
# Kinds we know but cannot read: reported as "its format (...) cannot be read".
UNSUPPORTED = frozenset({
    "7z", "rar", "gzip", "bzip2", "xz", "tar", "cab", "exe", "smime",
    "pgp", "ole", "office-other", "xps", "tnef", "unknown",
})
SKIPPED = frozenset({"empty", "media"})  # harmless: counted, not read (images: OCR, images.py)

LABELS = {
    "zip": "ZIP archive", "cfb": "Office 97-2003 file", "pdf": "PDF",
    "rtf": "RTF document", "html": "web page (HTML)", "xml": "XML file",
    "email": "email message", "mbox": "mailbox file", "msg": "Outlook message",
    "csv": "CSV file", "tsv": "tab-separated file", "text": "text file",
    "docx": "Word document", "xlsx": "Excel workbook", "xlsb": "Excel binary workbook",
    "xls": "Excel 97-2003 workbook", "pptx": "PowerPoint presentation",
    "odt": "OpenDocument text", "ods": "OpenDocument spreadsheet",
    "odp": "OpenDocument presentation", "odf": "OpenDocument file",
    "doc": "Word 97-2003 document", "ppt": "PowerPoint 97-2003 presentation",
    "7z": "7-Zip archive", "rar": "RAR archive", "gzip": "gzip archive",
    "bzip2": "bzip2 archive", "xz": "xz archive", "tar": "tar archive",
    "cab": "cabinet archive", "exe": "program", "smime": "S/MIME encrypted or signed message",
    "pgp": "PGP encrypted file", "ole": "embedded Office object",
    "office-other": "Office file of an unsupported type", "xps": "XPS document",
    "tnef": "Outlook winmail.dat", "unknown": "unknown binary", "testhook": "test hook",
    "image": "image", "media": "audio or video", "empty": "empty file",
}

_MAGIC: list[tuple[bytes, int, str]] = [  # (signature, offset, kind)
    (b"PK\x03\x04", 0, "zip"), (b"PK\x05\x06", 0, "zip"), (b"PK\x07\x08", 0, "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "cfb"),
    (b"{\\rtf", 0, "rtf"),
    (b"\x89PNG\r\n\x1a\n", 0, "image"), (b"\xff\xd8\xff", 0, "image"),
    (b"GIF87a", 0, "image"), (b"GIF89a", 0, "image"), (b"II*\x00", 0, "image"),
    (b"MM\x00*", 0, "image"),
    (b"\x01\x00\x00\x00", 0, "emf?"),
    (b"ID3", 0, "media"), (b"OggS", 0, "media"), (b"fLaC", 0, "media"),
    (b"\x1aE\xdf\xa3", 0, "media"), (b"\xff\xfb", 0, "media"), (b"\xff\xf3", 0, "media"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7z"), (b"Rar!\x1a\x07", 0, "rar"),
    (b"\x1f\x8b", 0, "gzip"), (b"BZh", 0, "bzip2"), (b"\xfd7zXZ\x00", 0, "xz"),
    (b"MSCF", 0, "cab"), (b"ustar", 257, "tar"), (b"MZ", 0, "exe"),
    (b"\x7fELF", 0, "exe"), (b"-----BEGIN PGP", 0, "pgp"),
    (b"\x78\x9f\x3e\x22", 0, "tnef"), (b"SAFESEND-TEST-HOOK:", 0, "testhook"),
]

EXT_KINDS = {
    ".docx": "docx", ".docm": "docx", ".dotx": "docx", ".dotm": "docx",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".xltx": "xlsx", ".xltm": "xlsx", ".xlsb": "xlsb",
    ".xls": "xls", ".pptx": "pptx", ".pptm": "pptx", ".ppsx": "pptx", ".potx": "pptx",
    ".odt": "odt", ".ods": "ods", ".odp": "odp", ".odg": "odf", ".pdf": "pdf",
    ".rtf": "rtf", ".msg": "msg", ".eml": "email", ".zip": "zip", ".doc": "doc",
    ".ppt": "ppt", ".p7m": "smime", ".p7s": "smime", ".gpg": "pgp", ".pgp": "pgp",
    ".7z": "7z", ".rar": "rar", ".gz": "gzip", ".tgz": "gzip", ".tar": "tar",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".htm": "html", ".html": "html",
    ".xhtml": "html", ".xml": "xml", ".svg": "xml", ".mbox": "mbox",
    ".png": "image", ".jpg": "image", ".jpeg": "image", ".gif": "image", ".bmp": "image",
    ".tif": "image", ".tiff": "image", ".webp": "image", ".ico": "image",
    ".heic": "image", ".heif": "image", ".avif": "image",
    ".emf": "image", ".wmf": "image",
    ".mp3": "media", ".mp4": "media", ".m4a": "media", ".mov": "media", ".wav": "media",
    ".avi": "media",
}
_TYPE_KINDS = {
    "application/pdf": "pdf", "application/rtf": "rtf", "text/rtf": "rtf",
    "message/rfc822": "email", "application/vnd.ms-outlook": "msg",
    "text/csv": "csv", "text/tab-separated-values": "tsv", "text/html": "html",
    "application/xhtml+xml": "html", "text/xml": "xml", "application/xml": "xml",
    "application/zip": "zip", "application/x-zip-compressed": "zip",
    "application/vnd.ms-excel": "xls", "application/msword": "doc",
    "application/pkcs7-mime": "smime", "application/x-pkcs7-mime": "smime",
    "application/pkcs7-signature": "smime", "application/pgp-encrypted": "pgp",
}
_TEXT_KINDS = frozenset({"text", "csv", "tsv", "html", "xml", "email", "mbox"})
_SPREADSHEET_KINDS = frozenset({"xls", "xlsx", "xlsb", "ods"})

_HEADER_LINE = re.compile(rb"^[!-9;-~]+:[ \t]?")
_MAIL_HEADERS = frozenset({
    b"from", b"to", b"cc", b"subject", b"date", b"received", b"message-id",
    b"mime-version", b"return-path", b"delivered-to", b"reply-to", b"content-type",
    b"x-mailer", b"sender", b"in-reply-to", b"references", b"x-original-to",
})
_SAMPLE = 8192


def extension(name: str) -> str:
    return posixpath.splitext((name or "").replace("\\", "/").lower())[1]


def sniff(name: str, content_type: str | None, data: bytes) -> str:
    """The coarse kind of a file: see LABELS."""
    if not data:
        return "empty"
    kind = _by_magic(data)
    if kind:
        return kind
    if looks_textual(data[:_SAMPLE]):
        return _text_kind(name, content_type, data[:_SAMPLE])
    kind = _by_name(name, content_type)
    if kind and kind not in _TEXT_KINDS:
        return kind
    return "unknown"


def _by_magic(data: bytes) -> str | None:
    for signature, offset, kind in _MAGIC:
        if data.startswith(signature, offset):
            if kind == "emf?":  # EMF: record type 1 and " EMF" signature at 40
                return "image" if data[40:44] == b" EMF" else None
            return kind
    if data[:2] in (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08") and data[3:4] == b"\x00":
        return "xls"  # a bare BIFF2-5 workbook stream (Excel 2.x-5.0), not in an OLE2 container
    if b"%PDF-" in data[:1024]:  # PDF allows junk before the header
        return "pdf"
    if data[:4] == b"RIFF" and data[8:12] in (b"WEBP",):
        return "image"
    if data[:4] == b"RIFF" and data[8:12] in (b"WAVE", b"AVI "):
        return "media"
    if data[4:8] == b"ftyp":
        return "image" if data[8:12] in _HEIF_BRANDS else "media"
    if data[:2] == b"BM" and len(data) > 26 and int.from_bytes(data[2:6], "little") == len(data):
        return "image"
    return None


# ISO media files that are pictures (HEIC, HEIF, AVIF); others (mp4, mov, m4a) are media
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"mif2", b"avif",
                b"avis")


def _by_name(name: str, content_type: str | None) -> str | None:
    kind = EXT_KINDS.get(extension(name))
    if kind:
        return kind
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype.startswith("image/"):
        return "image"
    if ctype.startswith(("audio/", "video/")):
        return "media"
    return _TYPE_KINDS.get(ctype)


def looks_textual(sample: bytes) -> bool:
    """Text in some encoding rather than binary: a BOM, or no NUL bytes and
    almost no control characters."""
    if sample.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in sample:
        return False
    controls = sum(sample.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13, 27))
    return controls <= len(sample) // 100


def _text_kind(name: str, content_type: str | None, sample: bytes) -> str:
    head = _ascii_head(sample)
    lowered = head.lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "html"
    if lowered.startswith((b"<?xml", b"<svg")):
        return "html" if b"<html" in lowered[:2048] else "xml"
    if head.startswith(b"From ") and looks_like_email(head.split(b"\n", 1)[-1]):
        return "mbox"
    if looks_like_email(head):
        return "email"
    if lowered.startswith(b"<") and re.search(rb"<(html|body|head|table|div|p|br|meta)[\s>/]",
                                              lowered[:2048]):
        return "html"
    if head.startswith((b"BEGIN:VCALENDAR", b"BEGIN:VCARD")):
        return "text"
    hinted = _by_name(name, content_type)
    if hinted in _TEXT_KINDS:
        return hinted
    if hinted in _SPREADSHEET_KINDS:
        return "csv"  # "export.xls" that is really delimited text: common from web apps
    if lowered.startswith(b"<") and b"xmlns" in lowered[:2048]:
        return "xml"
    return "text"


def _ascii_head(sample: bytes) -> bytes:
    """The sample without BOM or leading blank lines; UTF-16 squeezed to ASCII
    (enough to recognise markup and headers)."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if sample.startswith(b"\xff\xfe") else "utf-16-be"
        sample = sample[2:].decode(codec, "ignore").encode("ascii", "ignore")
    elif sample.startswith(b"\xef\xbb\xbf"):
        sample = sample[3:]
    return sample.lstrip()


def looks_like_email(head: bytes) -> bool:
    """An RFC 822 header block: the first lines are `Name: value` fields and
    at least two of them are well-known mail headers."""
    known = 0
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    if len(lines) < 2 and len(head) >= _SAMPLE:  # one giant line: not headers
        return False
    for line in lines[:60]:
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t"):
            continue  # folded continuation
        if not _HEADER_LINE.match(line):
            return False
        if line.split(b":", 1)[0].lower() in _MAIL_HEADERS:
            known += 1
    return known >= 2


# --- refinement (opens the container: runs in the worker) ----------------------


def refine_zip(zf: zipfile.ZipFile) -> str:
    names = set(zf.namelist())
    if "mimetype" in names:
        return _odf_kind(zf.read("mimetype")[:100])
    if "[Content_Types].xml" in names or "_rels/.rels" in names:
        return _ooxml_kind(names)
    if "content.xml" in names and "META-INF/manifest.xml" in names:
        return "odf"
    return "zip"


def _ooxml_kind(names: set[str]) -> str:
    if "word/document.xml" in names or any(n.startswith("word/") for n in names):
        return "docx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("ppt/") for n in names):
        return "pptx"
    if "FixedDocSeq.fdseq" in names or any(n.startswith("Documents/") for n in names):
        return "xps"
    return "office-other"


def _odf_kind(mimetype: bytes) -> str:
    mime = mimetype.decode("ascii", "ignore").strip()
    if mime == "application/epub+zip":
        return "zip"  # an e-book is a ZIP of web pages: read it as an archive
    for suffix, kind in (("text", "odt"), ("spreadsheet", "ods"), ("presentation", "odp")):
        if mime.startswith(f"application/vnd.oasis.opendocument.{suffix}"):
            return kind
    if mime.startswith("application/vnd.oasis.opendocument."):
        return "odf"
    return "zip"


def refine_cfb(streams: set[str], name: str = "") -> str:
    """Tell OLE2 files apart by their stream names (lower-cased paths)."""
    if "encryptioninfo" in streams or "encryptedpackage" in streams:
        return "ooxml-encrypted"
    if "workbook" in streams or "book" in streams:
        return "xls"
    if any(s.startswith("__substg1.0_") for s in streams) or "__properties_version1.0" in streams:
        return "msg"
    if "worddocument" in streams:
        return "doc"
    if "powerpoint document" in streams:
        return "ppt"
    if "\x01ole10native" in streams or "package" in streams:
        return "ole"
    if "contents" in streams and extension(name) == ".bin":  # e.g. a PDF embedded in Office
        return "ole"
    return "office-other"
