"""Trigger words of fact types found in text, through Indonesian and English word forms.

A schema lists trigger words (`pasok`, `memasok`, `supplies`); text uses any form of them
(`dipasok`, `pasokannya`, `memasokkan`, `supplying`). Both sides are reduced to candidate stems by
undoing the common affixes (clitics, suffixes, prefixes with their nasal assimilation:
mem+pasok -> memasok, meng+kirim -> mengirim, meny+serah -> menyerah) and match when they share
a stem of at least `MIN_STEM` letters. Over-generating stems is harmless here: a stem must also
be a stem of a trigger word to count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from store.matching.normalise import fold
from store.matching.words import word_table

MIN_STEM = 4
LANGUAGES = ("id", "en")  # the word lists that say how common a stem is
# A stem this common (wordfreq Zipf, Indonesian/English) is only a trigger when the schema lists
# the word itself: "memperoleh" must not make every "oleh" ("by") a trigger.
COMMON_STEM = 5.5
_WORD = re.compile(r"[^\W\d_]+")
_CLITICS = ("nya", "lah", "kah", "pun")
_SUFFIXES = ("kan", "an", "i")
# Prefix -> letters a dropped initial consonant may have been (nasal assimilation).
_NASAL = {
    "meng": "k",
    "peng": "k",
    "meny": "s",
    "peny": "s",
    "mem": "p",
    "pem": "p",
    "men": "t",
    "pen": "t",
}
_PLAIN = (
    "memper",
    "diper",
    "menge",
    "penge",
    "ber",
    "per",
    "ter",
    "di",
    "ke",
    "se",
    "be",
    "me",
    "pe",
    "meng",
    "peng",
    "meny",
    "peny",
    "mem",
    "pem",
    "men",
    "pen",
)
_SECOND = ("per", "ber", "ter")
_ENGLISH = (
    ("ies", "y"),
    ("ied", "y"),
    ("ing", ""),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
    ("ment", ""),
    ("ion", ""),
    ("er", ""),
)


@lru_cache(maxsize=65536)
def stems(word: str) -> frozenset[str]:
    """Every candidate stem of a word of the text (folded: lower case, no diacritics).

    Over-generates on purpose (each affix is tried, stripped or not); `roots` gives the few
    stems a trigger word is reduced to.
    """
    word = fold(word)
    bases = {word}
    for clitic in _CLITICS:
        if word.endswith(clitic) and len(word) - len(clitic) >= MIN_STEM:
            bases.add(word[: -len(clitic)])
    for base in list(bases):
        for suffix in _SUFFIXES:
            if base.endswith(suffix) and len(base) - len(suffix) >= MIN_STEM:
                bases.add(base[: -len(suffix)])
        for suffix, replacement in _ENGLISH:
            if base.endswith(suffix) and len(base) - len(suffix) >= MIN_STEM - 1:
                bases.add(base[: -len(suffix)] + replacement)
    found = set(bases)
    for base in bases:
        for prefix in _PLAIN:
            if base.startswith(prefix):
                found |= _unprefixed(base, prefix)
                rest = base[len(prefix) :]
                for second in _SECOND:
                    if rest.startswith(second):
                        found |= _unprefixed(rest, second)
    return frozenset(s for s in found if len(s) >= MIN_STEM)


def roots(word: str) -> set[str]:
    """The stems a trigger word is reduced to: a clitic and a suffix (each choice of -kan, -an,
    -i or none) come off, then up to two prefixes (the second only per-, ber- or ter-),
    undoing nasal assimilation."""
    word = fold(word)
    for clitic in _CLITICS:
        if word.endswith(clitic) and len(word) - len(clitic) >= MIN_STEM:
            word = word[: -len(clitic)]
            break
    bases = {word} | {
        word[: -len(x)] for x in _SUFFIXES if word.endswith(x) and len(word) - len(x) >= MIN_STEM
    }
    return {_strip_prefixes(base) for base in bases}


def _strip_prefixes(word: str) -> str:
    for prefixes in (_PLAIN, _SECOND):
        prefix = next(
            (
                p
                for p in sorted(prefixes, key=len, reverse=True)
                if word.startswith(p) and _unprefixed(word, p)
            ),
            None,
        )
        if prefix is None:
            break
        word = sorted(_unprefixed(word, prefix), key=len, reverse=True)[0]
        if prefix in _NASAL:
            break
    return word


def _unprefixed(word: str, prefix: str) -> set[str]:
    """`word` without `prefix` (and with a consonant the prefix swallowed, if it can have)."""
    rest = word[len(prefix) :]
    if len(rest) < MIN_STEM - 1:
        return set()
    found = {rest} if len(rest) >= MIN_STEM else set()
    letter = _NASAL.get(prefix)
    if letter and rest[:1] in "aiueo":
        found.add(letter + rest)
    return found


@dataclass(frozen=True, slots=True)
class TriggerHit:
    """A trigger word of a fact type found in the text."""

    type: str
    start: int
    end: int
    text: str


class TriggerIndex:
    """The trigger words of every fact type, by stem."""

    def __init__(self, triggers: Iterable[tuple[str, Iterable[str]]]) -> None:
        """`triggers`: (fact type, its trigger words) pairs."""
        self._words: dict[str, set[str]] = {}
        self._roots: dict[str, set[str]] = {}
        table = word_table(LANGUAGES)
        for type_, words in triggers:
            for word in words:
                self._words.setdefault(fold(word), set()).add(type_)
                for stem in roots(word):
                    if len(stem) >= MIN_STEM and table.get(stem, 0.0) < COMMON_STEM:
                        self._roots.setdefault(stem, set()).add(type_)

    def types_of(self, word: str) -> set[str]:
        """The fact types `word` is a trigger of: as listed, or through a shared root."""
        listed = self._words.get(fold(word))
        if listed:
            return set(listed)
        types: set[str] = set()
        for stem in stems(word):
            types |= self._roots.get(stem, set())
        return types

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[TriggerHit]:
        """The trigger words in `text[start:end]`, in text order (a word may serve two types)."""
        hits = []
        for match in _WORD.finditer(text, start, len(text) if end is None else end):
            hits += [
                TriggerHit(t, match.start(), match.end(), match.group())
                for t in sorted(self.types_of(match.group()))
            ]
        return hits
