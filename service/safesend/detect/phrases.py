"""Fast matching of many literal phrases (terms, context words, headers).

Phrases are compiled once into a single trie-shaped regular expression and
matched against lower-cased, normalized text (one pass over the text,
whatever the number of phrases). Phrase syntax, deliberately not a regex
(IT edits these lists):

- case does not matter; a phrase is normalized like the text;
- a run of spaces or hyphens in a phrase matches any run of whitespace or
  hyphens in the text ('free and reduced', 'in-school suspension');
- a trailing '*' matches the rest of a word ('diagnos*' finds 'diagnosed',
  'diagnosis');
- a phrase that starts/ends with a letter or digit only matches at a word
  boundary ('iep' does not match 'niepce'); one that starts or ends with
  punctuation ('#') does not need one.

Hits do not overlap; at one position the longest phrase wins.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from .normalize import normalize_text
from .words import AsciiWords

_SEP = "\x00sep"
_STAR = "\x00star"
_SEP_RUN = re.compile(r"[\s\-]+")


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def phrase_key(text: str) -> str:
    """The canonical form of a phrase or of matched text: lower-case, single spaces."""
    return _SEP_RUN.sub(" ", normalize_text(text).lower()).strip()


def _symbols(phrase: str) -> list[str]:
    key = phrase_key(phrase)
    star = key.endswith("*")
    key = key.rstrip("*").rstrip()
    symbols: list[str] = []
    for char in key:
        symbols.append(_SEP if char == " " else char)
    if star:
        symbols.append(_STAR)
    return symbols


class _Node:
    __slots__ = ("children", "terminal")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.terminal = False


def _symbol_regex(symbol: str) -> str:
    if symbol == _SEP:
        return r"[\s\-]+"
    if symbol == _STAR:
        return r"\w*"
    return re.escape(symbol)


def _build(node: _Node, last: str) -> str:
    alternatives = []
    # specific characters before the separator and the wildcard, so that a
    # longer literal phrase is preferred
    order = sorted(node.children, key=lambda s: (s in (_SEP, _STAR), s == _STAR, s))
    for symbol in order:
        alternatives.append(_symbol_regex(symbol) + _build(node.children[symbol], symbol))
    if node.terminal:
        ends_in_word = last == _STAR or (len(last) == 1 and _is_word(last))
        alternatives.append(r"(?!\w)" if ends_in_word else "")
    if len(alternatives) == 1:
        return alternatives[0]
    return "(?:" + "|".join(alternatives) + ")"


def _compile(root: _Node) -> re.Pattern[str] | None:
    """One regex for the trie; phrases that start with a word character get a
    look-behind word boundary (which also lets the engine skip mid-word starts)."""
    word_start, other_start = _Node(), _Node()
    for symbol, child in root.children.items():
        target = word_start if len(symbol) == 1 and _is_word(symbol) else other_start
        target.children[symbol] = child
    parts = []
    if word_start.children:
        parts.append(r"(?<!\w)" + _build(word_start, ""))
    if other_start.children:
        parts.append(_build(other_start, ""))
    return re.compile("|".join(parts)) if parts else None


def _word_needs(root: _Node) -> list[frozenset[str]] | None:
    """Per phrase of the trie, the words a text must hold for it to match:
    its runs of word characters ('d.o.b' needs 'd', 'o', 'b'), a run before
    '*' as '*' + the run (a prefix of a word). None when some phrase needs no
    word at all (it could match anywhere)."""
    needs: list[frozenset[str]] = []

    def walk(node: _Node, words: tuple[str, ...], run: str) -> bool:
        if node.terminal:
            need = words + ((run,) if run else ())
            if not need:
                return False
            needs.append(frozenset(need))
        for symbol, child in node.children.items():
            if symbol == _STAR:
                star_words = words + (("*" + run,) if run else ())
                if not star_words:
                    return False
                needs.append(frozenset(star_words))  # '*' is always last
            elif len(symbol) == 1 and _is_word(symbol):
                if not walk(child, words, run + symbol):
                    return False
            elif not walk(child, words + ((run,) if run else ()), ""):
                return False
        return True

    return needs if walk(root, (), "") else None


@dataclass(frozen=True, slots=True)
class PhraseHit:
    start: int
    end: int
    phrase: str  # the configured phrase (canonical form, '*' kept)
    label: str


class PhraseMatcher:
    """Finds configured phrases in lower-cased normalized text.

    `phrases` maps each phrase to a label (e.g. its category). A phrase
    listed under two labels keeps the first.
    """

    def __init__(self, phrases: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        items = phrases.items() if isinstance(phrases, Mapping) else phrases
        self._exact: dict[str, tuple[str, str]] = {}
        self._prefixes: dict[str, tuple[str, str]] = {}
        root = _Node()
        for phrase, label in items:
            symbols = _symbols(phrase)
            if not symbols or symbols == [_STAR]:
                continue
            key = phrase_key(phrase)
            if symbols[-1] == _STAR:
                self._prefixes.setdefault(key.rstrip("*").rstrip(), (key, label))
            else:
                self._exact.setdefault(key, (key, label))
            node = root
            for symbol in symbols:
                node = node.children.setdefault(symbol, _Node())
            node.terminal = True
        self._pattern = _compile(root)
        self._longest_prefix = max((len(p) for p in self._prefixes), default=0)
        # what a text must hold for some phrase to occur in it (see `may_occur`)
        self._needs = _word_needs(root)
        needed = {w for need in (self._needs or ()) for w in need}
        self._words_needed = frozenset(w for w in needed if w.isalpha())
        self._prefixes_needed = tuple(sorted(w for w in needed if w[0] == "*"
                                             and w[1:].isalpha()))  # '*diagnos'
        # a run with a digit or '_' ('504'): looked for as a substring of the text
        self._substrings_needed = tuple(sorted(
            needed - self._words_needed - set(self._prefixes_needed)))
        # each phrase's needs under one of its words (the longest), to try only those present
        self._needs_by_word: dict[str, list[frozenset[str]]] = {}
        for need in self._needs or ():
            self._needs_by_word.setdefault(max(sorted(need), key=len), []).append(need)
        # characters a match can span beyond its phrase: '*' and runs of spaces
        self.longest = max((len(k) for k in (*self._exact, *self._prefixes)), default=0) + 24

    def __bool__(self) -> bool:
        return self._pattern is not None

    def find(self, lowered: str, start: int = 0, end: int | None = None) -> Iterator[PhraseHit]:
        """Phrase hits in `lowered[start:end]` (text from `lower_same_length`).

        Word boundaries are part of the compiled pattern (a look-behind before
        phrases that start with a letter or digit, a look-ahead after those
        that end with one), so a single left-to-right pass finds every hit.
        """
        if self._pattern is None:
            return
        end = len(lowered) if end is None else end
        identify = self._identify
        for match in self._pattern.finditer(lowered, start, end):
            found = identify(match.group())
            if found is not None:
                yield PhraseHit(match.start(), match.end(), found[0], found[1])

    def may_occur(self, words: AsciiWords, lowered: str) -> bool:
        """False when no phrase can occur in the ASCII text `lowered` (whose
        words are `words`): one pass of the pattern costs a step per character,
        and most text holds no term. A phrase needs each of its runs of word
        characters ('d.o.b' needs 'd', 'o', 'b') as a whole run of the text:
        a run of letters among the text's runs of letters; a run before '*'
        ('diagnos*') or one with a digit ('504') somewhere in the text."""
        if self._needs is None:
            return True
        present = words.letter_runs & self._words_needed
        present.update(w for w in self._substrings_needed if w.lstrip("*") in lowered)
        if self._prefixes_needed:  # a run starting with the prefix follows it in order
            ordered = sorted(words.letter_runs)
            for need in self._prefixes_needed:
                i = bisect.bisect_left(ordered, need[1:])
                if i < len(ordered) and ordered[i].startswith(need[1:]):
                    present.add(need)
        by_word = self._needs_by_word
        return any(need <= present for word in present for need in by_word.get(word, ()))

    def _identify(self, matched: str) -> tuple[str, str] | None:
        key = _SEP_RUN.sub(" ", matched).strip()
        found = self._exact.get(key)
        if found is not None:
            return found
        for n in range(min(len(key), self._longest_prefix), 0, -1):
            found = self._prefixes.get(key[:n])
            if found is not None:
                return found
        return None
