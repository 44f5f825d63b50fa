"""Detector settings (`DetectConfig`, built from the policy) and their compiled form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .ids import DEFAULT_ID_PATTERNS, CompiledIdPatterns, IdPatternConfig, compile_id_patterns
from .phrases import PhraseMatcher
from .topics import DEFAULT_SENSITIVE_TERMS, SensitiveTerms

DEFAULT_DOB_WORDS: tuple[str, ...] = (
    "dob", "d.o.b", "d.o.b.", "date of birth", "birth date", "birthdate", "birthday", "born",
    "born on", "bday", "b-day", "fecha de nacimiento",
)
SOURCE_SEPARATOR = " › "


@dataclass(frozen=True)
class DetectConfig:
    """Detector settings; the policy maps onto this. Build once per policy version
    and reuse: the compiled detectors are cached on the instance."""

    id_patterns: tuple[IdPatternConfig, ...] = DEFAULT_ID_PATTERNS
    sensitive_terms: Mapping[str, Sequence[str]] = field(
        default_factory=lambda: dict(DEFAULT_SENSITIVE_TERMS))
    dob_context_words: tuple[str, ...] = DEFAULT_DOB_WORDS
    near_window: int = 200  # characters between a sensitive term and an identifier
    paragraph_max_chars: int = 2000  # longer paragraphs count by the window only
    dob_window: int = 80  # characters between a date of birth and its student
    min_text_id_length: int = 5  # shortest roster ID matched outside an ID column
    max_student_age: int = 25  # a labelled date of birth older than this is not a student's
    max_evidence_per_source: int = 5
    regex_timeout: float = 0.02  # seconds per ID-pattern match
    _compiled: CompiledDetectors | None = field(default=None, init=False, repr=False,
                                                compare=False)

    def compiled(self) -> CompiledDetectors:
        """Compile (once) and return the detectors; raises `PatternError`."""
        if self._compiled is None:
            object.__setattr__(self, "_compiled", CompiledDetectors(
                ids=compile_id_patterns(self.id_patterns, match_timeout=self.regex_timeout),
                terms=SensitiveTerms(self.sensitive_terms),
                keywords=PhraseMatcher(
                    [(term, category) for category, terms in self.sensitive_terms.items()
                     for term in terms]
                    + [(word, DOB_LABEL) for word in self.dob_context_words]),
            ))
        assert self._compiled is not None
        return self._compiled

    def validate(self) -> None:
        """Raise `PatternError` (naming the pattern) if an ID pattern is unusable."""
        self.compiled()


DOB_LABEL = "\x00dob"


@dataclass(frozen=True)
class CompiledDetectors:
    ids: CompiledIdPatterns
    terms: SensitiveTerms
    keywords: PhraseMatcher  # sensitive terms (label = category) and DOB words, one pass
