"""Names the gazetteer lacks: capitalised phrases no alias matched, proposed as `new name`.

On news the gazetteer has not seen, many names are simply not in it. A reviewer used to mark
each of them by hand (a mode, cursor moves, a label, a link: ~7 keys). The matching run now
proposes every name written in capitals that no candidate covers (see
`store.corpus.phrases.phrase_end`) as a pending mention without an entity, with the reason
`new name`; the reviewer accepts it, or creates its entity from it (which makes it an alias and
re-matches, so its other mentions become ordinary candidates), or rejects it.

What is not taken for a name, by shape and word frequency only (no list of words):
- a word capitalised only because it opens a sentence, when it is a known word of the
  language (wordfreq, `words.KNOWN`): `Menurut`, `Dia`, `Kalla` too when wordfreq knows it
  (the reviewer marks those by hand);
- a lone capitalised word that is common in the language (`words.COMMON`: `Senin`,
  `Presiden`), unless written in capitals (`DPR`);
- common words leading a phrase (`Presiden Joko Susilo` proposes `Joko Susilo`), unless the
  gazetteer has aliases that open with that word (`Partai`, `Universitas`: its own usage).

The label is the gazetteer's: the labels of the aliases sharing a word with the phrase (`Partai
X` is ORG when the gazetteer's `Partai` aliases are), else of the aliases of the same shape
(an acronym, or a phrase in title case).
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence

from store.corpus.phrases import WORD, phrase_end
from store.matching.matcher import Matcher
from store.matching.normalise import fold, sentence_initial
from store.matching.types import AliasEntry, Candidate
from store.matching.words import COMMON, KNOWN, VERY_COMMON, phrase_zipf, word_table

NEW_NAME = "new name"  # the candidate's reason
# Under the default threshold (store.config.MIN_SCORE): about half of them are names a
# reviewer keeps (measured on real news with half of the gazetteer removed), too few to show
# unasked where the gazetteer is complete; `v` in the review screen shows them.
SCORE = 45.0
OPENERS_FROM = 2  # aliases opening with a word that make it part of names
CONTEXT_WEIGHT = 1.0  # the word before a name counts as much as all of its own words
MAX_WORDS = 3  # a longer run of capitals is more often a headline or a list than a name
TITLE_WORDS = 3  # a line of this many words or more, with
TITLE_SHARE = 0.6  # this share of them capitalised, is a headline: no names proposed in it


def _level(word: str, table: dict[str, float]) -> float:
    """How common a word is; a hyphenated one as common as its first part when it repeats it
    (`Negara-negara`, `Bank-bank`: plurals)."""
    key = fold(word)
    level = table.get(key, 0.0)
    head, _, tail = key.partition("-")
    if tail and tail == head:
        level = max(level, table.get(head, 0.0))
    return level


_SPACES = re.compile(r"[ \t\u00a0]+")
_DATE_AFTER = re.compile(r"[ \t\u00a0]*[(,]?[ \t\u00a0]*\d")
_DATE_BEFORE = re.compile(r"\d[ \t\u00a0]*\Z")
_BEFORE = re.compile(r"([^\W\d_]+)[ \t\u00a0]+\Z")  # the word before a name (word_before)
_GAP_CHARS = " \t\u00a0"


def _acronym(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _shape(words: Sequence[str]) -> str:
    return "acronym" if len(words) == 1 and _acronym(words[0]) else f"words{min(len(words), 3)}"


class NameHints:
    """What the gazetteer says about the words of names: labels by word, by shape, and the
    words aliases open with."""

    def __init__(self, aliases: Iterable[AliasEntry], languages: tuple[str, ...]) -> None:
        self.table = word_table(languages)
        self.by_word: dict[str, Counter[str]] = {}
        self.by_shape: dict[str, Counter[str]] = {}
        self.overall: Counter[str] = Counter()
        openers: Counter[str] = Counter()
        for entry in aliases:
            words = [m.group() for m in WORD.finditer(entry.alias) if m.group()[:1].isalnum()]
            if not words:
                continue
            self.overall[entry.label] += 1
            self.by_shape.setdefault(_shape(words), Counter())[entry.label] += 1
            folded = [fold(w) for w in words]
            for word in set(folded):
                self.by_word.setdefault(word, Counter())[entry.label] += 1
            if len(words) > 1:
                openers[folded[0]] += 1
        self.openers = frozenset(w for w, n in openers.items() if n >= OPENERS_FROM)

    def label(self, words: Sequence[str], before: Counter[str] | None = None) -> str | None:
        """The most likely label of a name made of `words` (`before`: the labels of the names
        the same word precedes in the text); None with an empty gazetteer."""
        votes: dict[str, float] = {}
        if before:
            total = sum(before.values())
            for label, n in before.items():
                votes[label] = CONTEXT_WEIGHT * n / total
        for word in {fold(w) for w in words}:
            counts = self.by_word.get(word)
            if counts:
                total = sum(counts.values())
                for label, n in counts.items():
                    votes[label] = votes.get(label, 0.0) + n / total  # one vote a word
        if not votes:
            votes = dict(self.by_shape.get(_shape(words)) or self.overall)
        if not votes:
            return None
        return min(votes, key=lambda label: (-votes[label], label))


_HINTS: weakref.WeakKeyDictionary[Matcher, NameHints] = weakref.WeakKeyDictionary()


def hints_for(matcher: Matcher) -> NameHints:
    """The hints of a matcher's gazetteer, built once per matcher (~0.9 s for 100,000
    aliases): a gazetteer edit applied in place (`Matcher.update`) changes a few aliases and
    barely the labels' statistics, so the hints are not built again for it."""
    hints = _HINTS.get(matcher)
    if hints is None:
        hints = _HINTS[matcher] = NameHints(matcher.entries(), matcher.languages)
    return hints


def with_new_names(matcher: Matcher, text: str) -> list[Candidate]:
    """The matcher's candidates in `text` and the new names beside them, sorted by start."""
    found = matcher.find_candidates(text)
    names = new_names(text, found, hints_for(matcher))
    return sorted(found + names, key=lambda c: c.start) if names else found


def _title_lines(text: str) -> list[tuple[int, int]]:
    """The lines written in title case (a headline: most of their words capitalised, no
    sentence-final punctuation)."""
    lines = []
    at = 0
    for line in text.split("\n"):
        if not line.rstrip().endswith((".", "!", "?", '"', "”", ":")):  # (then its words)
            words = [w for w in WORD.findall(line) if w[:1].isalpha()]
            if len(words) >= TITLE_WORDS and sum(w[:1].isupper() for w in words) >= (
                TITLE_SHARE * len(words)
            ):
                lines.append((at, at + len(line)))
        at += len(line) + 1
    return lines


def new_names(
    text: str,
    taken: Sequence[Candidate],
    hints: NameHints,
    context: dict[str, Counter[str]] | None = None,
    within: Sequence[tuple[int, int]] | None = None,
) -> list[Candidate]:
    """The names written in capitals in `text` that no candidate of `taken` overlaps
    (`context`: the labels by word before, when `text` is a part of the text they come from;
    else taken from `taken`). With `within`, only those starting in these ranges, each
    beginning where no phrase nor candidate runs across (`names_in.clauses`)."""
    spans = sorted([(c.start, c.end) for c in taken] + _title_lines(text))
    if context is None:
        context = _context(text, taken)
    found: list[Candidate] = []
    for low, high in [(0, len(text))] if within is None else within:
        at = low  # where the next phrase may start
        k = 0  # the first taken span that may still matter
        for match in WORD.finditer(text, low, high):
            start = match.start()
            if start < at or not match.group()[:1].isupper():
                continue
            while k < len(spans) and spans[k][1] <= start:
                k += 1
            if k < len(spans) and spans[k][0] <= start:  # inside a candidate
                at = spans[k][1]
                continue
            end = phrase_end(text, start)
            at = max(end, match.end())
            if k < len(spans) and spans[k][0] < end:  # the name goes on into a candidate
                continue
            if k > 0 and _SPACES.fullmatch(text, spans[k - 1][1], start):  # a candidate's
                continue  # name goes on into it: the reviewer widens the candidate (`e`)
            name = _trim(text, start, end, hints, context)
            if name is not None:
                found.append(name)
    return found


def word_before(text: str, start: int) -> str | None:
    """The word right before `start` (folded; spaces between, on the same line): the key of a
    name's context."""
    low = max(0, start - 40)  # (as `_BEFORE.search(text, low, start)`, a scan back: faster)
    k = start
    while k > low and text[k - 1] in _GAP_CHARS:
        k -= 1
    j = k
    while j > low and text[j - 1].isalnum() and not text[j - 1].isdecimal():
        j -= 1
    return fold(text[j:k]) if j < k < start else None


def _context(text: str, taken: Sequence[Candidate]) -> dict[str, Counter[str]]:
    """The labels of this text's candidates by the word before them (`di`, `ke`, `kata`,
    `Presiden`): how the article itself writes names of each label."""
    context: dict[str, Counter[str]] = {}
    for c in taken:
        word = word_before(text, c.start)
        if word is not None:
            context.setdefault(word, Counter())[c.label] += 1
    return context


def _trim(
    text: str, start: int, end: int, hints: NameHints, context: dict[str, Counter[str]]
) -> Candidate | None:
    """The name in the phrase text[start:end], or None when it is not one."""
    words = [m for m in WORD.finditer(text, start, end) if m.group()[:1].isalnum()]
    while words and not words[-1].group()[:1].isupper():  # a joiner cut by a candidate
        words.pop()
    if not words or len(words) > MAX_WORDS:
        return None
    table = hints.table
    initial = sentence_initial(text, words[0].start())
    while len(words) > 1:
        first = words[0].group()
        key = fold(first)
        if _acronym(first) or key in hints.openers or key in hints.by_word:
            break  # (a word of the gazetteer's names: `Joko` in `Joko Susilo`)
        level = _level(first, table)
        if level >= COMMON or (initial and level >= KNOWN):
            words.pop(0)
            initial = False
            while words and not words[0].group()[:1].isupper():
                words.pop(0)
            continue
        break
    if not words:
        return None
    if len(words) == 1:
        word = words[0].group()
        if not _acronym(word):
            level = _level(word, table)
            if (initial and level >= KNOWN) or len(word) < 2 or level >= VERY_COMMON:
                return None
            dated = _DATE_AFTER.match(text, words[0].end()) or _DATE_BEFORE.search(
                text, 0, words[0].start()
            )
            if level >= COMMON and dated:  # `Senin (26/8)`, `26 Agustus`: a day, a month
                return None
    elif initial and phrase_zipf([fold(w.group()) for w in words], table) >= COMMON:
        return None  # `Baca Juga`: ordinary words in title case opening a sentence
    begin, finish = words[0].start(), words[-1].end()
    label = hints.label([w.group() for w in words], context.get(word_before(text, begin) or ""))
    if label is None:
        return None
    return Candidate(
        start=begin,
        end=finish,
        text=text[begin:finish],
        key="",
        label=label,
        alias="",
        score=SCORE,
        method="name",
        reason=NEW_NAME,
    )
