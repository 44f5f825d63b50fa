"""What extraction returns, the limits it works under, and the internal
records passed between the walker and the (possibly isolated) parsers.

Public types are frozen dataclasses of plain strings so that they can be
logged by *name* only and compared in tests. Nothing here holds a parser
object: every internal record must cross a process boundary as JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

PATH_SEPARATOR = " › "


@dataclass(frozen=True)
class ExtractLimits:
    max_total_bytes: int = 50 * 1024 * 1024  # all attachments of one message, incl. expanded members
    max_file_bytes: int = 25 * 1024 * 1024  # one file (attachment or archive member, uncompressed)
    max_depth: int = 3  # nesting of archives / attached emails
    max_members: int = 500  # files across all archives of a message
    max_expansion_ratio: float = 100.0  # uncompressed/compressed, zip bombs
    max_rows: int = 200_000  # table rows per file
    max_pages: int = 500  # PDF pages / slides per file
    max_text_chars: int = 20_000_000  # extracted characters per message
    time_budget_seconds: float = 5.0  # whole message
    ocr: bool = True  # read pictures and scanned pages with OCR
    ocr_max_pages: int = 20  # pictures / scanned pages read with OCR per file
    ocr_max_pixels: int = 40_000_000  # larger pictures are not read
    ocr_languages: str = "eng"  # Tesseract languages, e.g. "eng+spa"
    ocr_time_seconds: float = 4.0  # OCR time per file (within the message's budget)
    isolate: bool = True  # run risky parsers in killable worker processes

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ExtractLimits:
        return cls(**data)


@dataclass(frozen=True)
class TextSegment:
    source: str  # human location, e.g. "roster.xlsx › Sheet1"; never content
    text: str


@dataclass(frozen=True)
class Table:
    source: str
    rows: list[list[str]]  # every non-blank row, cells as strings, in order


@dataclass(frozen=True)
class Unscannable:
    name: str  # source path of the file
    reason: str  # plain words a teacher understands


@dataclass
class Extraction:
    segments: list[TextSegment] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    problems: list[Unscannable] = field(default_factory=list)
    files_scanned: int = 0
    bytes_scanned: int = 0
    internal_errors: list[str] = field(default_factory=list)  # bugs of ours: type and module:line


# --- internal records -------------------------------------------------------


@dataclass
class Job:
    """One file to parse, with what is left of the message's budgets."""

    source: str  # full path, e.g. "docs.zip › a/plan.docx"
    name: str  # the file's own name (for extension hints)
    content_type: str | None
    kind: str  # coarse kind from sniff.sniff()
    data: bytes
    depth: int  # 0 for an attachment, +1 per archive / attached email
    limits: ExtractLimits
    seconds_left: float
    chars_left: int
    members_left: int
    bytes_left: int
    # "attachment 2.3": where the file is, for logs; its name is never logged
    # (file names carry student names).
    position: str = ""

    def header(self) -> dict:
        """Everything but the bytes, as JSON-able data."""
        head = {k: v for k, v in self.__dict__.items() if k != "data"}
        head["limits"] = self.limits.to_dict()
        return head

    @classmethod
    def from_header(cls, head: dict, data: bytes) -> Job:
        fields = dict(head)
        fields["limits"] = ExtractLimits.from_dict(fields["limits"])
        return cls(data=data, **fields)


@dataclass
class Child:
    """A file found inside another one (archive member, email attachment,
    embedded object) that the walker will scan next."""

    name: str  # path inside the parent, e.g. "a/plan.docx"
    content_type: str | None
    data: bytes
    # Embedded objects (an image or a Visio drawing inside a Word file) are
    # optional: if their format cannot be read, that is not worth a warning.
    optional: bool = False


@dataclass
class FileResult:
    segments: list[TextSegment] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    problems: list[Unscannable] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    kind: str = ""
    recycle: bool = False  # the worker should be replaced (e.g. after MemoryError)
    internal_error: str = ""  # a bug of ours: "TypeError at safesend/...py:12" (no content)

    def to_wire(self) -> tuple[dict, list[bytes]]:
        head = {
            "segments": [[s.source, s.text] for s in self.segments],
            "tables": [[t.source, pack_rows(t.rows)] for t in self.tables],
            "problems": [[p.name, p.reason] for p in self.problems],
            "children": [[c.name, c.content_type, c.optional] for c in self.children],
            "kind": self.kind,
            "recycle": self.recycle,
            "internal_error": self.internal_error,
        }
        return head, [c.data for c in self.children]

    @classmethod
    def from_wire(cls, head: dict, blobs: list[bytes]) -> FileResult:
        children = head["children"]
        if len(children) != len(blobs):
            raise ValueError("children and blobs do not match")
        return cls(
            segments=[TextSegment(str(s), str(t)) for s, t in head["segments"]],
            tables=[Table(str(s), unpack_rows(packed)) for s, packed in head["tables"]],
            problems=[Unscannable(str(n), str(r)) for n, r in head["problems"]],
            children=[Child(str(n), ct if ct is None else str(ct), data, bool(opt))
                      for (n, ct, opt), data in zip(children, blobs, strict=True)],
            kind=str(head["kind"]),
            recycle=bool(head["recycle"]),
            internal_error=str(head.get("internal_error") or "")[:200],
        )


# Tables cross the process boundary as one string per table (cells joined by
# US, rows by RS): JSON-encoding 100,000 small lists costs ~10x more.
_CELL, _ROW = "\x1f", "\x1e"
_SEPARATORS = str.maketrans({_CELL: " ", _ROW: " "})


def pack_rows(rows: list[list[str]]) -> str:
    packed = _ROW.join(_CELL.join(row) for row in rows)
    expected = sum(len(row) - 1 for row in rows) + len(rows) - 1
    if packed.count(_CELL) + packed.count(_ROW) != expected:  # a cell holds a separator
        packed = _ROW.join(_CELL.join(c.translate(_SEPARATORS) for c in row) for row in rows)
    return packed


def unpack_rows(packed: object) -> list[list[str]]:
    if not isinstance(packed, str):
        raise ValueError("a table must be a string")
    return [row.split(_CELL) for row in packed.split(_ROW)] if packed else []


def join_source(parent: str, part: str) -> str:
    return f"{parent}{PATH_SEPARATOR}{part}" if part else parent
