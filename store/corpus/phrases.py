"""Names written in capitals: where the phrase that starts at a word ends (the review mark
mode's `n`, and the names the gazetteer lacks that the matching run proposes).

A phrase is a run of words that start with a capital letter (`Shanghai Cooperation
Organization`, `S-300PS`, `KONTAN.CO.ID`) on one line, apart by spaces only: punctuation, a
number or a line break ends it. One or two lower-case words between two runs join them when a
capitalised word follows and both sides have two capitalised words at least (`Timur Tengah dan
Afrika Utara`, `Ministry of Defence of the Russian Federation` from `Ministry of Defence`), which
keeps two names apart (`Rusia dan Kyrgyzstan`, `Putin di Moskow`); asked to `cross`, the first
such words are crossed whatever the sides (`Ministry` then `of Defence`). Any language, no list
of names or of words: only the case of the letters.
"""

from __future__ import annotations

import re

SCAN = 64  # words looked at, at most
JOINING = 2  # lower-case words that may join two capitalised runs
_GAP = re.compile(r"[ \t\u00a0]+")
# Marks, variation selectors, joiners and skin tones belong to the character before them.
_MARKS = (
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]"
)
# A word (hyphens, apostrophes and dots inside it), a flag, or one other symbol (an emoji).
WORD = re.compile(
    rf"(?:\w{_MARKS}*)+(?:[-'’.](?:\w{_MARKS}*)+)*"
    rf"|[\U0001F1E6-\U0001F1FF]{{2}}"
    rf"|[^\w\s]{_MARKS}*(?:\u200d[^\w\s]{_MARKS}*)*"
)


def _capital(word: str) -> bool:
    return word[:1].isupper()


def _joining(word: str) -> bool:
    return word.isalpha() and word.islower()


def _words(text: str, start: int) -> list[tuple[str, int]]:
    """The words from `start` on with their ends, each apart from the one before by spaces
    only (the first one starts at `start`)."""
    words: list[tuple[str, int]] = []
    end = start
    for match in WORD.finditer(text, start):
        if match.start() != end if not words else not _GAP.fullmatch(text, end, match.start()):
            break
        words.append((match.group(), match.end()))
        end = match.end()
        if len(words) >= SCAN:
            break
    return words


def phrase_end(text: str, start: int, *, cross: bool = False) -> int:
    """The end of the phrase whose first word starts at `start` (that word is in it, whatever
    its case); `start` itself when no word starts there. See the module for what joins."""
    found = _words(text, start)
    if not found:
        return start
    words = [word for word, _ in found]
    end, capitals, i = found[0][1], int(_capital(words[0])), 1
    while i < len(words):
        if _capital(words[i]):
            end, capitals, i = found[i][1], capitals + 1, i + 1
            continue
        j = i
        while j < len(words) and j - i < JOINING and _joining(words[j]):
            j += 1
        if j == i or j >= len(words) or not _capital(words[j]):
            break
        after = 0
        while j + after < len(words) and _capital(words[j + after]):
            after += 1
        if not (cross or (capitals >= 2 and after >= 2)):
            break
        cross, i = False, j
    return end
