"""The parts of a text worth matching again after aliases were added: the lines that hold
one of their terms.

No name runs across a newline (a hard gap), a word after one opens a sentence, and the
title-case test stops at one: a line matched on its own gives the candidates it gives inside
the whole text, offsets shifted by where it starts; but for one test over the whole text: a
known word capitalised only by opening a sentence is a name if the text names its entity
inside a sentence elsewhere (`exact._settle_doubts`), maybe on another line. A candidate a line
alone doubts for that (`sentence_initial_only`) sends its text to be matched whole. The terms
are searched in the folded text (same offsets as the text) as plain substrings, so a term
inside a longer token (a clitic, tokens run together) still finds its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from store.matching.normalise import fold
from store.matching.scores import SENTENCE_INITIAL
from store.matching.types import Candidate

Window = tuple[int, int]  # start and end offsets in the text: whole lines, newline included
# More terms than this (an import) make a regex slower than matching the whole texts.
MAX_TERMS = 200


def terms_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One regex finding any of `terms` (folded, lower case); None when a term is empty or
    not ASCII (its fold may differ from the search index's) or there are more than MAX_TERMS:
    match whole texts then."""
    found = sorted(set(terms), key=len, reverse=True)
    if not found or len(found) > MAX_TERMS or not all(t and t.isascii() for t in found):
        return None
    return re.compile("|".join(re.escape(term.lower()) for term in found))


def lines_holding(text: str, pattern: re.Pattern[str]) -> list[Window] | None:
    """The lines of `text` where `pattern` occurs, in order, without overlaps; None when it
    occurs nowhere (unsure where the text was reached: match it whole)."""
    folded = fold(text)
    windows: list[Window] = []
    at = 0
    while True:
        match = pattern.search(folded, at)
        if match is None:
            break
        start = folded.rfind("\n", 0, match.start()) + 1
        end = folded.find("\n", match.end())
        end = len(folded) if end < 0 else end + 1
        windows.append((start, end))
        at = end
    return windows or None


def lines_around(text: str, spans: Iterable[tuple[int, int]]) -> list[Window]:
    """The whole lines of `text` holding `spans` (start, end), in order, without overlaps."""
    windows: list[Window] = []
    for start, end in sorted(spans):
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", max(end, start + 1) - 1)
        line_end = len(text) if line_end < 0 else line_end + 1
        if windows and line_start < windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], line_end))
        else:
            windows.append((line_start, line_end))
    return windows


def sentence_initial_only(found: Iterable[Candidate]) -> bool:
    """Whether one of `found` (the candidates of lines matched alone) is doubted only for
    opening a sentence: the whole text may name its entity elsewhere, which lifts the doubt."""
    return any(c.reason == SENTENCE_INITIAL for c in found)
