"""Dates of birth in running text: a date right after a label ('DOB', 'born
on'...), of the student identified nearest to it (within `dob_window`
characters) or on its own. (A table's date-of-birth column is read by the
table scan: the roster matcher needs it to confirm a student's date.)"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..dates import find_dates
from ..redact import redact_date
from ..results import Evidence
from ..text_view import nearest
from .base import RELATE, Detector

if TYPE_CHECKING:
    from ..text_view import TextView


class DatesOfBirth(Detector):
    name = "dates_of_birth"
    stage = RELATE

    def scan_text(self, view: TextView) -> None:
        dob_words = view.dob_words
        if not dob_words:
            return
        config, acc, text, identifiers = view.scan.config, view.acc, view.text, view.identifiers
        starts = [i[0] for i in identifiers]
        window = config.dob_window
        oldest = dt.date.today().year - config.max_student_age
        for word in dob_words:
            segment_end = min(len(text), word.end + 40)
            for date_hit in find_dates(text[word.end:segment_end]):
                start = word.end + date_hit.start
                if date_hit.dates[0].year < oldest:
                    break
                key = nearest(identifiers, starts, start, window)
                acc.dobs.add(key if key is not None else ("dob", date_hit.dates[0]))
                if acc.wants("dob", config.max_evidence_per_source):
                    acc.add_evidence(Evidence("dob", redact_date(date_hit.dates[0]),
                                              view.location(start), "labelled date"),
                                     config.max_evidence_per_source)
                break
