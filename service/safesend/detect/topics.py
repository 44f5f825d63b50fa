"""Sensitive categories of student information, as configurable term lists.

Each category is a list of phrases in the syntax of `phrases.py` (literal,
case-insensitive, word-bounded, a trailing '*' for word endings). Terms are
matched after normalization, so 'I\\u200bE\\u200bP' and 'ＩＥＰ' are 'IEP'.

A bare number such as '504' is *not* a term in running text ('Room 504',
'$504'): the 504 category lists the phrases that say what it is ('504 plan',
'Section 504'). In a table, a column headed '504' is recognized by
`tables.py` instead.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

from .normalize import lower_same_length, normalize_text
from .phrases import PhraseMatcher

DEFAULT_SENSITIVE_TERMS: dict[str, tuple[str, ...]] = {
    "504": (
        "section 504", "504 plan", "504 plans", "504 accommodation*", "504 meeting*",
        "504 eligib*", "504 status", "504 coordinator", "504 team", "504 student*",
        "504 list", "504 service*", "on a 504", "has a 504",
    ),
    "iep": (
        "iep", "ieps", "iep meeting*", "individualized education program*",
        "individualized education plan*", "individual education plan*",
        "special education", "special ed", "sped", "exceptional student education",
        "resource room", "self-contained classroom", "related services",
        "least restrictive environment",
    ),
    "disability": (
        "disability", "disabilities", "disabled", "adhd", "a.d.h.d", "attention deficit*",
        "autism", "autistic", "asperger*", "dyslexia", "dyslexic", "dyscalculia",
        "dysgraphia", "learning disabilit*", "specific learning disabilit*",
        "emotional disturbance", "emotional disabilit*", "intellectual disabilit*",
        "speech impairment", "language impairment", "hearing impairment",
        "visual impairment", "other health impairment", "traumatic brain injury",
        "developmental delay", "down syndrome", "cerebral palsy", "diagnosis", "diagnoses",
        "diagnosed",
        "ptsd", "ocd", "bipolar", "anxiety disorder", "clinical depression", "major depression",
        "depressive disorder", "eating disorder",
        "tourette*", "deaf", "blind",
    ),
    "health": (
        "medical condition*", "health condition*", "health plan", "medication*",
        "prescription*", "diabetes", "diabetic", "insulin", "asthma", "epilepsy",
        "seizure*", "allergy", "allergies", "anaphyla*", "epipen*", "epi-pen*",
        "mental health", "suicid*", "self-harm", "speech therapy", "occupational therapy",
        "physical therapy", "therapist",
        "pregnant", "pregnancy", "hiv", "immunization exemption", "vaccination exemption",
        "hospitali*", "concussion*",
    ),
    "discipline": (
        "suspension*", "suspended", "expulsion*", "expelled", "expel", "detention*",
        "disciplinary", "discipline referral*", "discipline record*", "behavior incident*",
        "behavior referral*", "office referral*", "in-school suspension",
        "out-of-school suspension", "behavior plan", "behavior intervention plan",
        "threat assessment",
        "police report", "arrest*",
    ),
    "lunch": (
        "free lunch", "reduced lunch", "free and reduced", "free or reduced",
        "free/reduced", "reduced-price", "reduced price", "free meals", "free meal",
        "meal benefit*", "lunch status", "meal status", "frl", "frpl",
        "economically disadvantaged", "snap benefits",
    ),
    "welfare": (
        "mckinney-vento", "homeless", "foster care", "foster child*", "custody",
        "restraining order", "protective order", "cps report", "child protective services",
        "dcfs", "abuse", "neglect",
    ),
}


_CELL_BREAK = "\x00"  # joins table cells for one pass; no word character, space or hyphen


@dataclass(frozen=True, slots=True)
class TermHit:
    """A sensitive term in text: its span, the configured term and its category."""

    start: int
    end: int
    term: str
    category: str


class SensitiveTerms:
    """Compiled term lists; build once per policy and reuse."""

    def __init__(self, categories: Mapping[str, Sequence[str]] | None = None) -> None:
        self.categories: dict[str, tuple[str, ...]] = {
            name: tuple(terms)
            for name, terms in (DEFAULT_SENSITIVE_TERMS if categories is None
                                else categories).items()
        }
        self._joinable = not any(_CELL_BREAK in normalize_text(term)
                                 for terms in self.categories.values() for term in terms)

    @cached_property
    def _matcher(self) -> PhraseMatcher:
        # Compiled on first use (tables, file and sheet names): running text is read with
        # the detectors' combined keyword matcher (detect/config.py), which holds these
        # terms too, so a text-only check never compiles this one.
        return PhraseMatcher(
            (term, name) for name, terms in self.categories.items() for term in terms
        )

    @classmethod
    def default(cls) -> SensitiveTerms:
        return cls(DEFAULT_SENSITIVE_TERMS)

    def find(self, text: str, *, normalized: bool = False) -> list[TermHit]:
        """Every term occurrence in `text`, in order."""
        if not normalized:
            text = normalize_text(text)
        return self.find_lowered(lower_same_length(text))

    def find_lowered(self, lowered: str, start: int = 0, end: int | None = None
                     ) -> list[TermHit]:
        """Like `find`, on text already normalized and lower-cased."""
        return [TermHit(h.start, h.end, h.phrase, h.label)
                for h in self._matcher.find(lowered, start, end)]

    def categories_in_cells(self, cells: Sequence[str]) -> dict[int, tuple[str, ...]]:
        """The category of every term occurrence in each cell (cells normalized),
        by cell index in order; cells without a term are left out.

        Equal to `find` on each cell, in one pass over the cells joined by a
        character that no term can match or span (the join behaves like the
        ends of a cell for word boundaries, separators and '*'), which is much
        faster for the thousands of short cells of a table column.
        """
        distinct = list(dict.fromkeys(cells))  # each distinct cell is searched once
        joined = _CELL_BREAK.join(distinct)
        lowered = joined.lower()
        found: dict[int, list[str]] = {}  # index in distinct -> categories
        if not self._joinable or len(lowered) != len(joined):  # see lower_same_length
            for n, cell in enumerate(distinct):
                categories = [hit.category for hit in self.find(cell, normalized=True)]
                if categories:
                    found[n] = categories
        else:
            ends = list(accumulate(len(cell) + 1 for cell in distinct))  # past each break
            for hit in self._matcher.find(lowered):
                found.setdefault(bisect.bisect_right(ends, hit.start), []).append(hit.label)
        if not found:
            return {}
        by_cell = {distinct[n]: tuple(categories) for n, categories in found.items()}
        return {i: by_cell[cell] for i, cell in enumerate(cells) if cell in by_cell}

    def categories_in(self, text: str) -> set[str]:
        """The categories mentioned in `text` (e.g. a cell or a file name)."""
        return {hit.category for hit in self.find(text)}
