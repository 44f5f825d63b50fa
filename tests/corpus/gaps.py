"""Known detection gaps the corpus shows today, by the cases they affect.

Each gap names the service behaviour that is wrong, so the figures can
tell a known gap from a regression. The tests hold every case outside
these gaps to its label, and mark each gap `xfail(strict=True)`: when a
fix lands, the gap's test passes, fails as XPASS, and the gap is removed
here.
"""

from __future__ import annotations

from dataclasses import dataclass

SHEETS = frozenset({"csv", "tsv", "xlsx", "xls", "ods"})  # paragraphs become one-cell rows
FLAT_TEXT = frozenset({"rtf", "pdf", "txt"})  # tables reach detection as lines of text
ALL = frozenset({"body", "body-html", "eml", "csv", "tsv", "xlsx", "xls", "ods", "docx", "odt",
                 "rtf", "pdf", "html", "txt", "pptx", "odp", "zip", "html-alt", "html-split",
                 "html-pasted", "png", "photo", "scan-pdf", "fax", "inline", "docx-image"})


@dataclass(frozen=True)
class Gap:
    name: str
    shapes: frozenset[str]
    formats: frozenset[str]
    reason: str

    def covers(self, case_id: str) -> bool:
        fmt, _, shape = case_id.partition("/")
        return shape in self.shapes and fmt in self.formats


GAPS: tuple[Gap, ...] = (
    Gap("account-numbers-as-student-ids", frozenset({"budget"}), FLAT_TEXT,
        "a budget table flattened to text (PDF, RTF, TXT): a 7-digit account number followed "
        "by 'Student Activities' / 'Student Transportation' matches the default ID pattern "
        "with the context word 'student'; 'Account' is only in the header line, outside the "
        "40-character window (false positive: warn, 5 students with sensitive information)"),
    Gap("sentence-taken-as-header", frozenset({"names_with_dobs", "ids_with_context",
                                               "evasion_ids"}), SHEETS,
        "a one-column sheet of notes: a sentence containing a header word is profiled as the "
        "header row ('Emergency cards still missing:' becomes a guardian column, so every name "
        "under it is skipped; 'Name, DOB 09/26/2010, card missing.' becomes a DOB header; "
        "'Student ID 38029574 - two books overdue.' becomes the ID header), so that row's "
        "student, or all of them, are not counted"),
    Gap("note-row-counted-as-student", frozenset({"plan_roster"}), SHEETS,
        "a note line below a roster-like table ('Please return corrections by Friday.') is "
        "counted as one more student (25 instead of 24)"),
    Gap("names-in-wide-or-piped-columns", frozenset({"dob_roster"}), frozenset({"txt", "rtf"}),
        "in running text, a last and first name separated by 4+ spaces (a fixed-width "
        ".txt report) or by '|' (RTF table cells as striprtf prints them) are not matched: "
        "1 of 10 students found in the .txt, 0 in the .rtf"),
    Gap("unlisted-students-in-flat-text", frozenset({"unlisted_plan_table"}), FLAT_TEXT,
        "a student list whose names are not in the roster (Student Name | Grade | 504 Plan) is "
        "only recognized as a table; flattened to text (PDF, RTF cells, aligned .txt) nothing "
        "is found (the RTF extractor could keep RTF tables as tables)"),
    # OCR (issue 11): what Tesseract misreads in our synthetic pictures
    Gap("ocr-photo-unlisted-table", frozenset({"unlisted_plan_table"}), frozenset({"photo"}),
        "a phone photo of a table of 12 students not in the roster: some rows' cells run "
        "together (no gap wide enough, rules not seen), so 6 of 12 rows are taken as students "
        "(warn instead of block)"),
    Gap("ocr-photo-name-misread", frozenset({"names_in_prose"}), frozenset({"photo"}),
        "a phone photo of names in running text: one name is misread (3 of 4 students)"),
    Gap("ocr-scan-specks", frozenset({"unlisted_plan_table", "names_in_prose", "evasion_names"}),
        frozenset({"scan-pdf"}),
        "a copier scan with toner specks: a speck on a table's rule or beside a name splits cells "
        "or spoils a word, so 6 of 12 rows of a table of students not in the roster are read as "
        "students (warn instead of block), 3 of 4 names in running text, 11 of 12 spaced-out names"),
)


def gap_for(case_id: str) -> Gap | None:
    return next((g for g in GAPS if g.covers(case_id)), None)
