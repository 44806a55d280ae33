"""A sentence splitter for news text: datelines, abbreviations, numbers, quotes, list lines.

Pure regular expressions over the stored text; offsets are code points, so
`text[start:end]` is the sentence, trimmed of surrounding whitespace.

The rules, in order:

1. **Lines.** A blank line always ends a sentence. A single line break ends one too, unless the
   next line merely continues it: it starts with a lower-case letter, and the line before is
   long (40 characters or more) and does not end with sentence punctuation (a hard-wrapped
   paragraph). Scraped news puts one paragraph,
   byline, caption, "Baca juga: ..." link or reader comment on each line, usually without a final
   full stop, so each of those lines is its own unit.
2. **List lines.** A line starting with a bullet (`-`, `*`, `•`, ...) or an item number (`1.`,
   `2)`, `a.`) always starts a new unit; the marker belongs to it (every non-space character is
   in exactly one sentence) and its full stop is not a sentence end.
3. **Sentence ends** inside a line: `.`, `!`, `?`, `…` (or runs of them), then any closing quotes
   or brackets, then whitespace, then a character that is not lower case (nor `,;:`). So a
   sentence that ends inside a closing quote keeps the quote, and `dll. dan` does not split.
   Numbers (`1.500`, `3.5`, `24.02.2021`) and domains (`Kompas.com`) have no space after the
   dot and never split.
4. **Not an end** after a single full stop: a title or reference abbreviation that precedes a
   name or a number (`Dr.`, `Jl.`, `No.`, `Tn.`, `H.`, `Prof.`, `Mr.` ...), a single-letter
   initial (`J. Smith`), a dotted acronym (`U.S.`, `a.n.`), or a dateline. Abbreviations that
   often end a sentence (`dll.`, `dsb.`, `dst.`, `etc.`) end one when a capital follows.
5. **Datelines** (`KONTAN.CO.ID - MOSKOW. Rusia ...`, `MOSKWA, KOMPAS.com – ...`) stay with the
   first sentence: a dateline is not a statement, and as fact evidence it belongs to the sentence
   it places and dates. A short parenthesised credit ending a paragraph (`... perang. (RNS)`)
   stays with the sentence before it.
"""

from __future__ import annotations

import re
from bisect import bisect_right

# Line breaks as str.splitlines() knows them (CRLF counts once).
_BREAK = "\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029"
_LINE_BREAK = re.compile(f"(\r\n|[{_BREAK}])")
_ODD_BREAK = re.compile(f"[{_BREAK[1:]}]")  # any line break but LF
_BULLET = re.compile(r"(?:[-*•◦▪▫►▸‣⁃–—·]|\(?(?:\d{1,3}|[a-zA-Z])[.)])(?=\s)")
# Sentence punctuation, then closing quotes/brackets, then whitespace and the next character.
# One character class (not an alternation), so the engine skips fast to the candidates.
_END = re.compile(r"[.!?‼⁇⁈⁉…]+[\"'”’»)\]]*(?=\s+(\S))")
_ENDS_LINE = re.compile(r"[.!?‼⁇⁈⁉…:;][\"'”’»)\]]*$")
_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+")
_CREDIT = re.compile(r"\([^()\s]{1,20}\)")
_LAST_WORD = re.compile(r"\S+$")
_OPENERS = "\"'“‘«([{"

# Followed by a name or a number, almost never the last word of a sentence (compared lower-case).
NO_END_ABBREVIATIONS = frozenset(
    (
        "dr",
        "drs",
        "dra",
        "prof",
        "ir",
        "jl",
        "jln",
        "no",
        "tn",
        "ny",
        "nn",
        "sdr",
        "sdri",
        "bpk",
        "hj",
        "kh",
        "kab",
        "kec",
        "kel",
        "prov",
        "kol",
        "letjen",
        "mayjen",
        "brigjen",
        "jend",
        "kapt",
        "mr",
        "mrs",
        "ms",
        "jr",
        "sr",
        "st",
        "capt",
        "sgt",
        "rev",
        "hon",
        "gov",
        "pres",
        "vs",
        "vol",
        "hlm",
        "telp",
        "fig",
        "pt",
        "cv",
        "yth",
        "rp",
    )
)
DATELINE_MAX = 60
WRAP_MIN = 40  # a hard-wrapped line is long; a short one is a heading, byline or user name
WORD_MAX = 30  # how far back to look for the word before a full stop


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The sentences of `text` as (start, end) code-point offsets, in order.

    Each span is trimmed of surrounding whitespace; spans do not overlap, and every
    non-whitespace character of `text` lies in exactly one of them.
    """
    spans: list[tuple[int, int]] = []
    for start, end in _units(text):
        spans.extend(_split_unit(text, start, end))
    return spans


def sentence_at(text: str, offset: int) -> tuple[int, int]:
    """The sentence containing `offset`; between sentences, the next one (else the last one).

    Returns (offset, offset) when `text` has no sentence at all.

    Raises:
        ValueError: `offset` is outside `0..len(text)`.
    """
    if not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset} is outside the text (0..{len(text)})")
    spans = sentence_spans(text)
    if not spans:
        return offset, offset
    index = bisect_right([start for start, _ in spans], offset) - 1
    if index >= 0 and offset < spans[index][1]:
        return spans[index]
    return spans[min(index + 1, len(spans) - 1)]


def _units(text: str) -> list[tuple[int, int]]:
    """Trimmed runs of lines that belong together (rule 1 and 2)."""
    if _ODD_BREAK.search(text) is None:  # stored text: LF only, split in C
        lines, breaks = text.split("\n"), None
    else:
        parts = _LINE_BREAK.split(text)
        lines, breaks = parts[0::2], [len(b) for b in parts[1::2]]
    units: list[tuple[int, int]] = []
    start = end = -1  # the unit being built (none yet)
    previous = ""  # its last line
    after_blank = False
    offset = 0
    for number, line in enumerate(lines):
        content = line.strip()
        if content:
            first = offset + len(line) - len(line.lstrip())
            if start >= 0 and not after_blank and _continues(previous, content):
                end = first + len(content)
            else:
                if start >= 0:
                    units.append((start, end))
                start, end = first, first + len(content)
            previous, after_blank = content, False
        else:
            after_blank = True
        offset += len(line) + (1 if breaks is None or number >= len(breaks) else breaks[number])
    if start >= 0:
        units.append((start, end))
    return units


def _continues(before: str, line: str) -> bool:
    """Whether `line` continues the unit `before` (a soft-wrapped line, not a new unit)."""
    return (
        line[0].islower()
        and len(before) >= WRAP_MIN
        and not _BULLET.match(line)
        and _ENDS_LINE.search(before) is None
    )


def _split_unit(text: str, start: int, end: int) -> list[tuple[int, int]]:
    unit = text[start:end]
    bullet = _BULLET.match(unit)
    spans: list[tuple[int, int]] = []
    # The marker belongs to the first sentence; its own full stop is no sentence end.
    begin = first = bullet.end() if bullet else 0
    cut = 0
    for match in _END.finditer(unit, first):
        nxt = match.start(1)
        if _is_end(unit, begin, match, nxt, dateline=begin == first):
            spans.append((start + cut, start + match.end()))
            begin = cut = nxt
    spans.append((start + cut, end))
    return spans


def _is_end(unit: str, begin: int, match: re.Match[str], nxt: int, *, dateline: bool) -> bool:
    """Whether the punctuation `match` ends the sentence that began at `begin` (rules 3-5)."""
    following = unit[nxt]
    if following.islower() or following in ",;:":
        return False
    if _CREDIT.fullmatch(unit, nxt):
        return False
    if match.group().rstrip("\"'”’»)]") != ".":
        return True
    last = _LAST_WORD.search(unit, max(begin, match.start() - WORD_MAX), match.start())
    word = last.group().lstrip(_OPENERS) if last else ""
    if word.lower() in NO_END_ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isalpha():
        return False
    if _ACRONYM.fullmatch(word):
        return False
    return not (dateline and _is_dateline(unit[begin : match.end()]))


def _is_dateline(prefix: str) -> bool:
    """An upper-case place/source prefix (`KONTAN.CO.ID - MOSKOW.`), not a sentence."""
    if len(prefix) > DATELINE_MAX:
        return False
    words = prefix.split()
    shouting = False
    for word in words:
        letters = [c for c in word if c.isalpha()]
        if any(c.islower() for c in letters) and not _DOMAIN.fullmatch(word.strip(".,")):
            return False
        shouting = shouting or sum(c.isupper() for c in letters) >= 3
    return shouting
