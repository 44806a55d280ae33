"""Candidates and new names of some lines of a text, as the whole text gives them there.

The candidates and the names of a line do not depend on the other lines (windows.py), but a new
name's label does: it counts the labels of every candidate of the text after the same word
(`names._context`). That word is on the name's line (no space run crosses a newline). So a
line's names are found in the line, then labelled again from a context counted over the whole
text for their words only (`context_of`), from whatever knows the text's candidates: the lines
where those words stand matched again (`lines_after`), or the article's stored candidates. The
same relabelling brings a stored new name elsewhere up to date when the candidates after its
word changed (`relabelled`), without matching its article again.

Within a line, the names of a clause (from a mark and spaces to the next: no phrase runs across
them) depend only on the candidates' spans in it: when the stored spans of a line are known,
names are looked for only in the clauses where they changed (`clauses`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace

from store.corpus.phrases import WORD
from store.matching.matcher import Matcher
from store.matching.names import NameHints, hints_for, new_names, word_before
from store.matching.normalise import fold
from store.matching.types import Candidate

_SPACES = " \t\u00a0"  # what may stand between a name and the word before it (names._BEFORE)
Windows = Sequence[tuple[int, int]]  # whole lines: start and end offsets, newline included


def window_candidates(
    matcher: Matcher,
    text: str,
    windows: Windows,
    stored: Collection[tuple[int, int]] | None = None,
) -> tuple[list[Candidate], list[Candidate], list[tuple[int, int]]] | None:
    """The matcher's candidates in `windows` and the new names beside them, each sorted by
    start, and where the names were looked for; the names are labelled from their own line's
    context only (label them again with `relabelled`). None when that is not sure (an empty
    gazetteer: a label then comes from the context alone).

    `stored`: the spans of every candidate the matcher gave in the windows before (as stored);
    the names are then looked for only in the clauses where the spans differ (`clauses`), the
    others being as stored. None: in the whole windows."""
    found = window_matches(matcher, text, windows)
    named = window_names(matcher, text, windows, found, stored)
    if named is None:
        return None
    taken = [
        c for (start, _), part in zip(windows, found, strict=True) for c in shifted(part, start)
    ]
    return taken, named[0], named[1]


def window_matches(matcher: Matcher, text: str, windows: Windows) -> list[list[Candidate]]:
    """The matcher's candidates in each of `windows`, in the window's own offsets (shift them
    by its start): what the whole text gives there (windows.py)."""
    return [matcher.find_candidates(text[start:end]) for start, end in windows]


def window_names(
    matcher: Matcher,
    text: str,
    windows: Windows,
    found: Sequence[Sequence[Candidate]],
    stored: Collection[tuple[int, int]] | None = None,
) -> tuple[list[Candidate], list[tuple[int, int]]] | None:
    """The new names of `windows` beside their candidates `found` (`window_matches`), sorted by
    start, labelled from their own line's context only, and where they were looked for; None
    when that is not sure (see `window_candidates`, and `stored`)."""
    hints = hints_for(matcher)
    if not hints.overall:
        return None
    names: list[Candidate] = []
    ranges: list[tuple[int, int]] = []
    for (start, end), part_found in zip(windows, found, strict=True):
        part = text[start:end]
        if stored is None:
            within = [(0, len(part))]
        else:
            before = {(s - start, e - start) for s, e in stored if start <= s < end}
            within = clauses(part, part_found, before)
        if within:
            names += shifted(new_names(part, part_found, hints, within=within), start)
            ranges += [(low + start, high + start) for low, high in within]
    return names, ranges


# A mark then spaces: no phrase runs across it (a phrase's words are apart by spaces only, and
# a mark is neither capitalised nor a joining word: corpus/phrases.py).
_CUT = re.compile(r"[^\w\s][ \t\u00a0]+")


def clauses(
    text: str, found: Sequence[Candidate], before: set[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The parts of `text` where its new names may differ from those it had with the candidate
    spans `before`, now that its candidates are `found`: around each span that differs, from
    the last cut before it to the first after it (a cut: a mark then spaces that no candidate
    runs across; the scan for names starts afresh there). In order, without overlaps."""
    now = {(c.start, c.end) for c in found}
    changed = sorted(now ^ before)
    if not changed:
        return []
    spans = sorted(now)
    cuts = [0]
    for match in _CUT.finditer(text):
        at = match.end()
        if not any(s < at < e for s, e in spans):
            cuts.append(at)
    cuts.append(len(text))
    out: list[tuple[int, int]] = []
    for start, end in changed:
        low = cuts[bisect_right(cuts, start) - 1]
        high = cuts[bisect_left(cuts, end)]
        if out and low <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return out


def words_before(text: str, starts: Iterable[int]) -> set[str]:
    """The words right before these offsets of `text`, as a name's context keys them."""
    return {w for start in starts if (w := word_before(text, start)) is not None}


def after_words(text: str, words: Iterable[str]) -> set[int]:
    """Where a word stands after one of `words` (folded) and spaces, in `text`: a superset of
    the offsets whose `word_before` is one of them (the words found as substrings: a few
    `str.find` calls rather than a regex compiled for each set of words)."""
    folded = fold(text)
    size = len(folded)
    found: set[int] = set()
    for word in words:
        at = folded.find(word) if word else -1
        while at >= 0:
            end = k = at + len(word)
            while k < size and folded[k] in _SPACES:
                k += 1
            if k > end:
                found.add(k)
            at = folded.find(word, end)
    return found


def context_of(
    text: str, words: Iterable[str], labelled: Iterable[tuple[int, str]]
) -> dict[str, Counter[str]]:
    """For each of `words`, the labels of the candidates standing after it: `names._context`
    of the whole text for those words only, from the (start, label) of every candidate of the
    text (those of lines where none of the words stands may be left out)."""
    wanted = set(words)
    if not wanted:
        return {}
    after = after_words(text, wanted)
    context: dict[str, Counter[str]] = {}
    for start, label in labelled:
        if start in after and (word := word_before(text, start)) in wanted:
            context.setdefault(word, Counter())[label] += 1
    return context


def relabelled(
    hints: NameHints, text: str, name: Candidate, context: dict[str, Counter[str]]
) -> Candidate:
    """The new name `name` of `text` labelled as `names._trim` labels it with `context` (the
    labels by word before, of the whole text: `context_of`)."""
    votes = context.get(word_before(text, name.start) or "")
    parts = [m.group() for m in WORD.finditer(name.text) if m.group()[:1].isalnum()]
    label = hints.label(parts, votes)
    return name if label in (None, name.label) else replace(name, label=label)


def lines_after(matcher: Matcher, text: str, windows: Windows, words: set[str]) -> list[Candidate]:
    """The candidates of the lines outside `windows` where one of `words` stands before a word:
    with those of the windows, every candidate of the text that one of `words` precedes."""
    if not words:
        return []
    before = re.compile(
        r"(?<![^\W\d_])(?:" + "|".join(re.escape(w) for w in sorted(words)) + r")[ \t\u00a0]"
    )
    folded = fold(text)
    others: list[Candidate] = []
    at = 0
    for start, end in [*windows, (len(text), len(text))]:
        for match in before.finditer(folded, at, start):
            line_start = folded.rfind("\n", 0, match.start()) + 1
            if line_start < at:
                continue  # a line already matched
            line_end = folded.find("\n", match.end())
            line_end = start if line_end < 0 or line_end >= start else line_end + 1
            others += shifted(matcher.find_candidates(text[line_start:line_end]), line_start)
            at = line_end
        at = end
    return others


def with_new_names_in(matcher: Matcher, text: str, windows: Windows) -> list[Candidate] | None:
    """What `names.with_new_names(matcher, text)` gives inside `windows` (whole lines, in
    order, without overlaps), sorted by start, without matching the whole text; None when that
    is not sure (see `window_candidates`)."""
    found = window_candidates(matcher, text, windows)
    if found is None:
        return None
    taken, names, _ = found
    words = words_before(text, [c.start for c in names])
    if words:
        others = lines_after(matcher, text, windows, words)
        context = context_of(text, words, [(c.start, c.label) for c in taken + others])
        hints = hints_for(matcher)
        names = [relabelled(hints, text, c, context) for c in names]
    return sorted(taken + names, key=lambda c: c.start)


def shifted(found: Sequence[Candidate], by: int) -> list[Candidate]:
    """`found` (candidates of a part of a text) with their offsets moved `by` characters."""
    if not by:
        return list(found)
    return [
        Candidate(
            c.start + by,
            c.end + by,
            c.text,
            c.key,
            c.label,
            c.alias,
            c.score,
            c.method,
            c.alternatives,
            c.reason,
        )
        for c in found
    ]
