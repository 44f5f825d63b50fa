"""Student ID patterns configured by IT, in the manner of a recognizer.

A pattern is data (`IdPatternConfig`): a regex for the ID *as stored*
(without separators; it must match the whole ID), an optional check digit,
context words that make a number an ID, words that make it something else,
and whether context is required. `compile_id_patterns` validates and
compiles a set once; a bad pattern raises `PatternError` naming it.

Matching works on candidates, not on the raw text: runs of digit groups
(optionally with a short letter prefix, 'S-1234567') joined by single
spaces or hyphens, so '67 1234 5612' and '67-1234-5612' are the ID
'6712345612'. Each candidate is tried against each pattern with
`regex.fullmatch` under a time limit, so a catastrophic IT regex costs at
most one timeout per pattern per check (it is then skipped and the scan is
marked partial). Candidates that look like phone numbers, dates or money
are filtered out first (one-line pure functions in `FILTERS`).

Confidence, as an explanation attached to every hit: 0.4 for the pattern,
+0.4 with a context word before or after (or continuing a list of IDs that
had one), +0.2 when a configured check digit validates. A configured check
digit that fails rejects the candidate.
"""

from __future__ import annotations

import bisect
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import regex

from .dates import parse_date
from .id_shapes import ascii_shape_test as ascii_test_of
from .normalize import (
    MAX_ID_LENGTH,
    IdCandidate,
    greedy_id_candidates,
    id_runs,
    lower_same_length,
    normalize_text,
)
from .phrases import PhraseHit, PhraseMatcher

DEFAULT_CONTEXT_WORDS: tuple[str, ...] = (
    "student", "students", "student id", "student ids", "student number", "student numbers",
    "student no", "student #", "stu id", "studentid", "sid", "sids", "lunch number",
    "lunch #", "lunch pin", "lunch id",
    "lunch code", "local id", "state id", "ssid", "perm id", "permanent id", "pupil",
    "pupil number", "pupil id", "upn",
)
DEFAULT_EXCLUDE_WORDS: tuple[str, ...] = (
    "phone", "tel", "telephone", "cell", "mobile", "fax", "account", "acct", "invoice",
    "order", "po", "purchase order", "zip", "zip code", "postal", "ssn", "social security",
    "routing", "employee", "staff", "vendor", "fund", "budget", "ticket", "tracking",
    "confirmation", "reference", "ref", "serial", "isbn", "card", "license", "policy",
    "claim", "room", "extension", "ext", "badge", "tax", "ein", "check no", "cheque",
    # machine identifiers that fill forwarded mail, bounces and logs
    "message-id", "message id", "queue id", "queue-id", "session id", "transaction id",
    "request id", "smtp id", "mail id", "msgid", "job id", "process id", "pid", "uid",
)


@dataclass(frozen=True)
class IdPatternConfig:
    """One student ID format, as IT configures it.

    `regex` describes the whole ID without separators ('\\d{8}', 'S\\d{7}');
    it is matched case-insensitively with fullmatch. `check_digit` is one of
    `CHECK_DIGITS` ('none', 'luhn', 'mod10', 'mod11', 'mod97', 'verhoeff').
    `context_window` is in characters on each side of the candidate.
    """

    name: str
    regex: str
    check_digit: str = "none"
    context_words: tuple[str, ...] = DEFAULT_CONTEXT_WORDS
    context_window: int = 40
    require_context: bool = True
    exclude_words: tuple[str, ...] = DEFAULT_EXCLUDE_WORDS


DEFAULT_ID_PATTERNS: tuple[IdPatternConfig, ...] = (
    IdPatternConfig(name="student_id", regex=r"\d{6,10}"),
)


class PatternError(ValueError):
    """An ID pattern that cannot be used; `pattern` names it, `reason` says why."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"ID pattern {pattern!r}: {reason}")
        self.pattern = pattern
        self.reason = reason


# --- check digits (pure functions over the digit string) -------------------------

def luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mod10_ok(digits: str) -> bool:
    """Weights 1, 3, 1, 3... from the rightmost (check) digit (EAN/UPC style)."""
    return sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(reversed(digits))) % 10 == 0


def mod11_ok(digits: str) -> bool:
    """Weights 2..7 cycling from the digit left of the check digit; check =
    (11 - sum mod 11) mod 11, where 10 is written 'X'."""
    body, check = digits[:-1], digits[-1:]
    if not body.isdigit():
        return False
    total = sum(int(c) * (2 + i % 6) for i, c in enumerate(reversed(body)))
    expected = (11 - total % 11) % 11
    return check == ("X" if expected == 10 else str(expected))


def mod97_ok(digits: str) -> bool:
    """ISO 7064 MOD 97-10: the number modulo 97 is 1."""
    return digits.isdigit() and int(digits) % 97 == 1


_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6), (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2), (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_ok(digits: str) -> bool:
    check = 0
    for i, char in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[i % 8][int(char)]]
    return check == 0


CHECK_DIGITS: dict[str, Callable[[str], bool] | None] = {
    "none": None,
    "luhn": luhn_ok,
    "mod10": mod10_ok,
    "mod11": mod11_ok,
    "mod97": mod97_ok,
    "verhoeff": verhoeff_ok,
}


def _check_digit_input(compact: str, kind: str) -> str:
    """The characters a check digit is computed over: the digits (and a final X for mod11)."""
    if kind == "mod11" and compact.endswith("X"):
        return "".join(c for c in compact[:-1] if c.isdigit()) + "X"
    return "".join(c for c in compact if c.isdigit())


# --- filters: candidates that are something else (pure, one line each) ----------

_PHONE = re.compile(r"(?:\+?1[ \-])?\d{3}[ \-]\d{3}[ \-]\d{4}|\d{3}[ \-]\d{4}")
_SSN = re.compile(r"\d{3}-\d{2}-\d{4}")
_SINGLE_TOKEN = re.compile(r"(?:[A-Za-z]{1,4}-?)?\d[0-9A-Za-z]*(?:-\d[0-9A-Za-z]*)*")
_CURRENCY_BEFORE = re.compile(r"(?:[$€£¥]\s?|\d\.)$")
_DECIMAL_AFTER = re.compile(r"(?:\.\d|%|\s?%)")


def looks_like_phone(raw: str, before: str, after: str) -> bool:
    return bool(_PHONE.fullmatch(raw)) or before.rstrip(" ").endswith(("+", ")"))


def looks_like_date(raw: str, before: str, after: str) -> bool:
    # '12/05' and '12:30' go on with a digit; 'Student ID 38029574: ...' is an ID and a colon.
    return not raw.isalnum() and parse_date(raw) is not None or bool(_DATE_OR_TIME_AFTER.match(after))


_DATE_OR_TIME_AFTER = re.compile(r"[/:]\d")


def looks_like_money_or_measure(raw: str, before: str, after: str) -> bool:
    return bool(_CURRENCY_BEFORE.search(before) or _DECIMAL_AFTER.match(after))


def looks_like_ssn(raw: str, before: str, after: str) -> bool:
    return bool(_SSN.fullmatch(raw))


FILTERS: tuple[Callable[[str, str, str], bool], ...] = (
    looks_like_phone, looks_like_date, looks_like_money_or_measure, looks_like_ssn,
)


# --- compiled patterns ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class IdHit:
    """A student ID found in text or in a table cell."""

    pattern: str
    start: int
    end: int
    value: str  # compact form (no separators); never logged, redact for display
    confidence: float
    has_context: bool
    check_digit_ok: bool | None
    explanation: str


@dataclass(frozen=True, slots=True)
class IdScan:
    hits: tuple[IdHit, ...]
    timed_out: tuple[str, ...] = ()  # patterns skipped after hitting the per-match limit
    deadline_reached: bool = False

    @property
    def partial(self) -> bool:
        return bool(self.timed_out) or self.deadline_reached


_NO_IDS = IdScan(())
_DEADLINE_REACHED = IdScan((), deadline_reached=True)

_PROBES = (
    "1" * 60 + "x", "a" * 60 + "!", "A1" * 30 + "-", "9" * 61, "x" * 60,
    "1 " * 30 + "!", "12-" * 20 + "a", "0" * 30 + "a" * 30,
)
_EMPTY_LIKE = ("", "1", "12", "123", "A", "AB")


@dataclass
class _Pattern:
    config: IdPatternConfig
    compiled: regex.Pattern[str]
    check: Callable[[str], bool] | None
    context: PhraseMatcher
    ascii_test: Callable[[str], bool] | None = None  # `id_shapes`: simple patterns only


def _validate(config: IdPatternConfig, probe_timeout: float) -> _Pattern:
    name = config.name
    if not name or not name.strip():
        raise PatternError(name, "a pattern needs a name")
    if not config.regex:
        raise PatternError(name, "the regex is empty")
    try:
        compiled = regex.compile(config.regex, regex.IGNORECASE | regex.V0)
    except (regex.error, TypeError, ValueError, OverflowError) as exc:
        raise PatternError(name, f"invalid regex: {exc}") from None
    if config.check_digit not in CHECK_DIGITS:
        raise PatternError(name, f"unknown check digit {config.check_digit!r} "
                                 f"(one of {', '.join(CHECK_DIGITS)})")
    if not 0 <= config.context_window <= 500:
        raise PatternError(name, "context_window must be between 0 and 500 characters")
    if config.require_context and not any(w.strip() for w in config.context_words):
        raise PatternError(name, "require_context is set but there are no context words")
    deadline = time.monotonic() + probe_timeout * 4
    try:
        for probe in _EMPTY_LIKE:
            if compiled.fullmatch(probe, timeout=probe_timeout):
                what = "the empty string" if not probe else f"{probe!r}"
                raise PatternError(name, f"matches {what}: an ID pattern must need at least "
                                         "4 characters")
        for probe in _PROBES:
            for n in (len(probe), len(probe) // 2):
                compiled.fullmatch(probe[:n], timeout=probe_timeout)
                compiled.search(probe[:n], timeout=probe_timeout)
            if time.monotonic() > deadline:
                raise TimeoutError
    except TimeoutError:
        raise PatternError(name, "too slow: the regex backtracks catastrophically on a "
                                 "probe string (nested repetition such as (\\d+)+?)") from None
    context = PhraseMatcher(
        [(w, "ctx") for w in config.context_words if w.strip()]
        + [(w, "excl") for w in config.exclude_words if w.strip()]
    )
    return _Pattern(config, compiled, CHECK_DIGITS[config.check_digit], context,
                    ascii_test_of(config.regex))


class CompiledIdPatterns:
    """A validated, compiled set of ID patterns; build once per policy."""

    def __init__(self, patterns: Sequence[_Pattern], match_timeout: float) -> None:
        self._patterns = tuple(patterns)
        self.match_timeout = match_timeout
        self._verdicts: dict[tuple[str, str | None, bool | None], tuple[float, str]] = {}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.config.name for p in self._patterns)

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def find_in_text(self, text: str, deadline: float = math.inf, *,
                     normalized: bool = False, lowered: str | None = None,
                     runs: Iterable[list[tuple[int, int]]] | None = None) -> IdScan:
        """Student IDs in running text.

        `lowered` (from `lower_same_length`) and `runs` (from `id_runs`) may be
        passed when the caller already has them for the same normalized text.
        """
        if not self._patterns:
            return IdScan(())
        if not normalized:
            text = normalize_text(text)
            lowered = None
            runs = None
        lowered = lowered if lowered is not None else lower_same_length(text)
        state = _ScanState(self, deadline)
        hits: list[IdHit] = []
        last_hit_end: dict[str, tuple[int, bool]] = {}
        for groups in (runs if runs is not None else id_runs(text)):
            if len(groups) == 1:  # the common case: one token, no separators
                start, end = groups[0]
                if end - start > MAX_ID_LENGTH:
                    continue
                raw = text[start:end]
                compact = raw.replace("-", "").upper() if "-" in raw else raw.upper()
                hit = self._evaluate(IdCandidate(start, end, raw, compact), text, lowered,
                                     last_hit_end, state)
                if hit is not None:
                    hits.append(hit)
                    last_hit_end[hit.pattern] = (hit.end, hit.has_context)
                if state.expired:
                    break
                continue
            run_raw = text[groups[0][0]:groups[-1][1]]
            before = text[max(0, groups[0][0] - 3):groups[0][0]]
            after = text[groups[-1][1]:groups[-1][1] + 3]
            if any(f(run_raw, before, after) for f in (looks_like_phone, looks_like_ssn,
                                                        looks_like_date)):
                continue  # no part of a phone number or a date is an ID
            found: dict[tuple[int, int], IdHit] = {}

            def accept(candidate: IdCandidate, found: dict[tuple[int, int], IdHit] = found
                       ) -> bool:
                hit = self._evaluate(candidate, text, lowered, last_hit_end, state)
                if hit is not None:
                    found[(candidate.start, candidate.end)] = hit
                return hit is not None

            for candidate in greedy_id_candidates(text, groups, accept):
                hit = found[(candidate.start, candidate.end)]
                hits.append(hit)
                last_hit_end[hit.pattern] = (hit.end, hit.has_context)
            if state.expired:
                break
        return IdScan(tuple(hits), tuple(state.timed_out), state.expired)

    def find_in_cell(self, cell: str, context: str, deadline: float = math.inf, *,
                     context_cache: dict[tuple[str, str], str | None] | None = None) -> IdScan:
        """Student IDs in one table cell; `context` is the column header or the
        cell to the left (e.g. 'Student ID'), already normalized.

        A cell holding one ID-like token takes a fast path; whether `context`
        gives context is then looked up in `context_cache` (pass one dict per
        table: a column's header is evaluated once).
        """
        if not self._patterns:
            return IdScan(())
        if is_one_token(cell):
            return self._single_token(cell, context, deadline, context_cache)
        joined = f"{context}\n{cell}" if context else cell
        offset = len(context) + 1 if context else 0
        scan = self.find_in_text(joined, deadline, normalized=True)
        hits = tuple(
            IdHit(h.pattern, h.start - offset, h.end - offset, h.value, h.confidence,
                  h.has_context, h.check_digit_ok, h.explanation)
            for h in scan.hits if h.start >= offset
        )
        return IdScan(hits, scan.timed_out, scan.deadline_reached)

    def _single_token(self, cell: str, context: str, deadline: float,
                      cache: dict[tuple[str, str], str | None] | None) -> IdScan:
        if time.monotonic() > deadline:
            return _DEADLINE_REACHED
        state: _ScanState | None = None  # only for patterns that need the regex
        compact = cell.replace("-", "").upper()
        plain = compact.isascii()
        for pattern in self._patterns:
            config = pattern.config
            if plain and pattern.ascii_test is not None:
                if not pattern.ascii_test(compact):
                    continue
            else:
                state = state or _ScanState(self, deadline)
                if not state._fullmatch(pattern, compact):  # once per pattern: no need to cache
                    continue
            check_ok: bool | None = None
            if pattern.check is not None:
                check_ok = pattern.check(_check_digit_input(compact, config.check_digit))
                if not check_ok:
                    continue
            # with no text around it, no filter takes a token of letters and digits
            # only (`test_filters_pass_alphanumeric_tokens`)
            if not cell.isalnum() and any(f(cell, "", "") for f in FILTERS):
                break
            word = _cached_label_context(pattern, context, cache)
            if config.require_context and word is None:
                continue
            confidence, explanation = self._token_verdict(pattern, word, check_ok)
            hit = IdHit(config.name, 0, len(cell), compact, confidence, word is not None,
                        check_ok, explanation)
            return IdScan((hit,), tuple(state.timed_out) if state else (),
                          state.expired if state else False)
        if state is None:
            return _NO_IDS
        return IdScan((), tuple(state.timed_out), state.expired)

    def _token_verdict(self, pattern: _Pattern, word: str | None, check_ok: bool | None
                       ) -> tuple[float, str]:
        """Confidence and explanation of a one-token hit (the same for a whole column)."""
        key = (pattern.config.name, word, check_ok)
        found = self._verdicts.get(key)
        if found is None:
            config = pattern.config
            confidence = 0.4 + (0.4 if word else 0.0) + (0.2 if check_ok else 0.0)
            parts = [f"pattern {config.name}"]
            if word is not None:
                parts.append(f"context '{word}'")
            if check_ok:
                parts.append(f"{config.check_digit} check digit valid")
            found = self._verdicts[key] = (round(confidence, 2), "; ".join(parts))
        return found

    def may_match_one_token(self, context: str,
                            context_cache: dict[tuple[str, str], str | None] | None = None
                            ) -> bool:
        """Whether `find_in_cell` can find anything in a one-token cell (see
        `is_one_token`) under this context: not when every pattern requires
        context and `context` (a column header) gives none. A table skips
        such cells of that column without matching them."""
        return any(not p.config.require_context
                   or _cached_label_context(p, context, context_cache) is not None
                   for p in self._patterns)

    def _evaluate(self, candidate: IdCandidate, text: str,
                  lowered: str,
                  last_hit_end: dict[str, tuple[int, bool]], state: _ScanState) -> IdHit | None:
        if len(candidate.compact) > MAX_ID_LENGTH:
            return None
        filtered: bool | None = None
        for pattern in self._patterns:
            if pattern.config.name in state.timed_out or state.expired:
                continue
            if not state.fullmatch(pattern, candidate.compact):
                continue
            if filtered is None:
                before = text[max(0, candidate.start - 3):candidate.start]
                after = text[candidate.end:candidate.end + 3]
                filtered = any(f(candidate.raw, before, after) for f in FILTERS)
            if filtered:
                return None
            config = pattern.config
            check_ok: bool | None = None
            if pattern.check is not None:
                check_ok = pattern.check(_check_digit_input(candidate.compact,
                                                            config.check_digit))
                if not check_ok:
                    continue
            context_word = _context(candidate, state.keywords(pattern, lowered),
                                    config.context_window, text)
            chained = False
            if context_word is None:
                previous = last_hit_end.get(config.name)
                if previous and previous[1] and candidate.start - previous[0] <= max(
                        config.context_window, 3):
                    chained = True
            has_context = context_word is not None or chained
            if config.require_context and not has_context:
                continue
            confidence = 0.4 + (0.4 if has_context else 0.0) + (0.2 if check_ok else 0.0)
            parts = [f"pattern {config.name}"]
            if context_word is not None:
                parts.append(f"context '{context_word}'")
            elif chained:
                parts.append("continues a list of IDs")
            if check_ok:
                parts.append(f"{config.check_digit} check digit valid")
            return IdHit(config.name, candidate.start, candidate.end, candidate.compact,
                         round(confidence, 2), has_context, check_ok, "; ".join(parts))
        return None


class _ScanState:
    """Time accounting for one scan: the overall deadline and per-pattern timeouts."""

    def __init__(self, patterns: CompiledIdPatterns, deadline: float) -> None:
        self.patterns = patterns
        self.deadline = deadline
        self.expired = False
        self.timed_out: list[str] = []
        self._results: dict[tuple[str, str], bool] = {}  # this scan's values only
        self._keywords: dict[str, _Keywords] = {}

    def keywords(self, pattern: _Pattern, lowered: str) -> _Keywords:
        found = self._keywords.get(pattern.config.name)
        if found is None or found.lowered is not lowered:
            found = self._keywords[pattern.config.name] = _Keywords(pattern.context, lowered)
        return found

    def fullmatch(self, pattern: _Pattern, value: str) -> bool:
        key = (pattern.config.name, value)
        found = self._results.get(key)
        if found is None:
            found = self._fullmatch(pattern, value)
            if not self.expired:
                self._results[key] = found
        return found

    def _fullmatch(self, pattern: _Pattern, value: str) -> bool:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.expired = True
            return False
        if pattern.ascii_test is not None and value.isascii():
            return pattern.ascii_test(value)  # a simple pattern: no regex call needed
        try:
            return pattern.compiled.fullmatch(
                value, timeout=min(self.patterns.match_timeout, remaining)) is not None
        except TimeoutError:
            if time.monotonic() >= self.deadline:
                self.expired = True
            else:
                self.timed_out.append(pattern.config.name)
            return False


class _Keywords:
    """Keyword hits of one matcher over one text, searched window by window as
    the scan moves forward, so that each stretch of text is searched once even
    when candidates are dense (a pasted table, a budget)."""

    def __init__(self, matcher: PhraseMatcher, lowered: str) -> None:
        self.matcher = matcher
        self.lowered = lowered
        self.hits: list[PhraseHit] = []
        self.starts: list[int] = []
        self.lo = self.hi = 0  # the searched stretch

    def window(self, lo: int, hi: int) -> tuple[list[PhraseHit], list[int]]:
        lo, hi = max(0, lo), min(len(self.lowered), hi)
        if lo > self.hi or lo < self.lo:  # a gap, or going back: start afresh
            self.hits, self.starts = [], []
            self.lo = self.hi = lo
        elif len(self.hits) > 512:  # forget what is far behind
            keep = bisect.bisect_left(self.starts, lo - self.matcher.longest)
            del self.hits[:keep], self.starts[:keep]
        if hi > self.hi:
            until = min(len(self.lowered), hi + self.matcher.longest)
            last_end = self.hits[-1].end if self.hits else -1
            for hit in self.matcher.find(self.lowered, max(self.lo, self.hi - self.matcher.longest),
                                         until):
                if hit.start >= last_end:  # a phrase cut by the previous window's end
                    self.hits.append(hit)
                    self.starts.append(hit.start)
                    last_end = hit.end
            self.hi = until
        first = bisect.bisect_left(self.starts, lo)
        last = bisect.bisect_left(self.starts, hi)
        return self.hits[first:last], self.starts[first:last]


def _context(candidate: IdCandidate, keywords: _Keywords, window: int, text: str) -> str | None:
    """The context word that makes this candidate an ID, or None.

    The nearest keyword before the candidate (within `window`) decides: an
    exclude word ('phone', 'account') blocks, and so does an exclude word
    right before the context word ('Account ID'). Failing that, the nearest
    keyword after the candidate, if it is a context word ('1234567 (student ID)').
    Only the window around the candidate is searched.
    """
    hits, starts = keywords.window(candidate.start - window - 24, candidate.end + window)
    if not hits:
        return None
    at = bisect.bisect_left(starts, candidate.start)
    # before: walk back to the last keyword that ends before the candidate
    i = at - 1
    while i >= 0 and hits[i].end > candidate.start:
        i -= 1
    if i >= 0 and candidate.start - hits[i].end <= window:
        nearest = hits[i]
        if nearest.label == "excl":
            return None
        qualifier = hits[i - 1] if i > 0 else None
        if qualifier is not None and qualifier.label == "excl" and \
                nearest.start - qualifier.end <= 3:
            return None
        return nearest.phrase
    # after
    j = at
    while j < len(hits) and hits[j].start < candidate.end:
        j += 1
    if j < len(hits) and hits[j].start - candidate.end <= window and hits[j].label == "ctx":
        between = text[candidate.end:hits[j].start]
        if not any(c.isalpha() for c in between):
            return hits[j].phrase
    return None


def is_one_token(cell: str) -> bool:
    """A cell holding one ID-like token ('67123412', 'S-1234567'): `find_in_cell`
    reads it without a text scan, with the column header as its only context."""
    return len(cell) <= MAX_ID_LENGTH and _SINGLE_TOKEN.fullmatch(cell) is not None


# Cells joined by NUL, each empty or one token (a token never holds a NUL).
_ONE_TOKEN_CELLS = re.compile(rf"(?:(?:{_SINGLE_TOKEN.pattern})?\x00)*(?:{_SINGLE_TOKEN.pattern})?")


def all_one_token(cells: Sequence[str]) -> bool:
    """Whether every non-empty cell `is_one_token` (one regex pass for a column)."""
    if max(map(len, cells), default=0) > MAX_ID_LENGTH:
        return False
    joined = "\x00".join(cells)
    if joined.count("\x00") > max(len(cells) - 1, 0):  # a cell holds a NUL: not a token
        return False
    return _ONE_TOKEN_CELLS.fullmatch(joined) is not None


def _cached_label_context(pattern: _Pattern, label: str,
                          cache: dict[tuple[str, str], str | None] | None) -> str | None:
    key = (pattern.config.name, label)
    if cache is not None and key in cache:
        return cache[key]
    word = _label_context(pattern, label)
    if cache is not None:
        cache[key] = word
    return word


def _label_context(pattern: _Pattern, label: str) -> str | None:
    """The context word a label (a column header, the cell to the left) gives
    the value after it, or None."""
    if not label:
        return None
    joined = f"{label}\n0"
    candidate = IdCandidate(len(label) + 1, len(label) + 2, "0", "0")
    return _context(candidate, _Keywords(pattern.context, lower_same_length(joined)),
                    pattern.config.context_window, joined)


def compile_id_patterns(configs: Iterable[IdPatternConfig], *, probe_timeout: float = 0.05,
                        match_timeout: float = 0.02) -> CompiledIdPatterns:
    """Validate and compile ID patterns once; raises `PatternError` naming a bad one."""
    patterns: list[_Pattern] = []
    seen: set[str] = set()
    for config in configs:
        if config.name in seen:
            raise PatternError(config.name, "two patterns have this name")
        seen.add(config.name)
        patterns.append(_validate(config, probe_timeout))
    return CompiledIdPatterns(patterns, match_timeout)
