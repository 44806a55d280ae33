"""What in a news article is about the article, not the news: its source and its teasers.

Fact candidates must not make a news site or agency a party of the news it reports
(`recipient=AIRSPACE REVIEW`), nor read facts out of links to other articles. Found by the
shape of the text, never by a list of names:

- a **dateline** opening a line: a short upper-case or domain-like head, then a spaced dash
  (`KONTAN.CO.ID - MOSKOW.`, `MOSKWA, KOMPAS.com –`, `AIRSPACE REVIEW –`, `Kompas.com - 26/08`),
  with an upper-case place after the dash when it ends in `.` or `,`;
- a **byline** or credit in brackets at the end of a line or before a dash (`(Reuters) -`,
  `... perang. (RNS)`), and a source line (`Sumber AFP,TASS`, `Source: Reuters`);
- an **attribution**: an organisation quoted as the source (`dikutip dari TASS`, `menurut
  laporan Interfax`, `according to Reuters`);
- the article's own `source` and the host of its `url` (`kompas.com` is `KOMPAS.com`).

An organisation found so is a source for the whole article: none of its mentions fills a role.
A place in a dateline is left out where it stands only. A **teaser** line (`Baca juga: ...`,
`Read more: ...`) holds no fact of this article.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol
from urllib.parse import urlsplit

from store.matching.normalise import fold

SOURCE_LABELS = frozenset({"ORG"})  # the labels a news source is written with
HEAD_MAX = 40  # characters of a dateline's head
_DATELINE = re.compile(
    rf"^[ \t]*(?P<head>[^\n]{{1,{HEAD_MAX}}}?)[ \t]+[-–—][ \t]+"
    r"(?:(?P<place>[^\W\d_a-z]{3,30})[.,](?=\s))?",
    re.MULTILINE,
)
# A credit closing a paragraph after its last sentence, or before the dash of a dateline.
_BYLINE = re.compile(
    r"(?:(?<=[.!?…\"”] )\((?P<end>[^()\n]{2,30})\)[ \t]*$)"
    r"|(?:\((?P<dash>[^()\n]{2,30})\)[ \t]+[-–—][ \t])",
    re.MULTILINE,
)
_SOURCE_LINE = re.compile(
    r"^[ \t]*(?:sumber|source|sources)\b:?[ \t]*(?P<list>[^\n]{1,80})$", re.I | re.M
)
_TEASER = re.compile(
    r"^[ \t]*(?:baca|simak|lihat|tonton|read|see|also read|more)(?:[ \t]+(?:juga|also|more))?"
    r"[ \t]*:",
    re.IGNORECASE | re.MULTILINE,
)
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+")
_WORDS = re.compile(r"[^\W_]+")
# Words that introduce who is quoted: the organisation after them is the report's source.
ATTRIBUTION = frozenset(
    {
        "dikutip",
        "mengutip",
        "menurut",
        "dilansir",
        "melansir",
        "laporan",
        "dilaporkan",
        "melaporkan",
        "according",
        "reported",
        "reports",
        "citing",
        "quoted",
    }
)
ATTRIBUTION_WINDOW = 3  # words looked back from a mention


class Mentioned(Protocol):
    """A mention as the source finder sees it: `entity` is its entity (None: not linked)."""

    @property
    def id(self) -> int: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def entity(self) -> int | None: ...


def not_news(
    text: str, mentions: Sequence[Mentioned], source: str | None = None, url: str | None = None
) -> set[int]:
    """The ids of the mentions that name the article's source or stand in its dateline."""
    left_out: set[int] = set()
    sources: set[int | str] = set()

    def take(start: int, end: int, *, org_only: bool = False) -> None:
        for m in mentions:
            if start <= m.start and m.end <= end:
                if m.label in SOURCE_LABELS:
                    sources.add(_identity(text, m))
                    left_out.add(m.id)
                elif not org_only:
                    left_out.add(m.id)

    for match in _DATELINE.finditer(text):
        if _is_head(match.group("head")):
            take(match.start("head"), match.end())
    for match in _BYLINE.finditer(text):
        group = "end" if match.group("end") is not None else "dash"
        take(match.start(group), match.end(group), org_only=True)
    for match in _SOURCE_LINE.finditer(text):
        take(match.start("list"), match.end("list"), org_only=True)
    for m in mentions:
        if m.label in SOURCE_LABELS and _attributed(text, m.start):
            sources.add(_identity(text, m))
    names = _names(source, url)
    for m in mentions:
        if m.label not in SOURCE_LABELS:
            continue
        if _identity(text, m) in sources or _squashed(text[m.start : m.end]) in names:
            left_out.add(m.id)
    return left_out


def teaser_lines(text: str) -> Callable[[int], bool]:
    """A test: whether an offset is on a teaser line (`Baca juga: ...`)."""
    starts = [m.start() for m in _TEASER.finditer(text)]
    if not starts:
        return lambda _offset: False
    ranges = [(s, _line_end(text, s)) for s in starts]
    return lambda offset: any(s <= offset < e for s, e in ranges)


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def _is_head(head: str) -> bool:
    """A dateline's head: words in capitals or domains (`MOSKWA, KOMPAS.com`), not a sentence."""
    words = head.split()
    if not words:
        return False
    shouting = False
    for word in words:
        letters = [c for c in word if c.isalpha()]
        if not letters or (word.startswith("(") and word.endswith(")")):  # `(Reuters)`
            continue
        if _DOMAIN.fullmatch(word.strip(".,")):
            shouting = True
            continue
        if any(c.islower() for c in letters):
            return False
        shouting = shouting or len(letters) >= 2
    return shouting


def _attributed(text: str, start: int) -> bool:
    """Whether a word of attribution (`dikutip dari`, `menurut`) comes just before `start`."""
    before = text[max(0, start - 60) : start]
    clause = re.split(r"[.;:!?()\"“”\n]", before)[-1]
    words = [fold(w) for w in _WORDS.findall(clause)[-ATTRIBUTION_WINDOW:]]
    return any(w in ATTRIBUTION for w in words)


def _identity(text: str, m: Mentioned) -> int | str:
    """The entity of a mention, or its surface (folded) when it has none."""
    return m.entity if m.entity is not None else _squashed(text[m.start : m.end])


def _squashed(value: str) -> str:
    """Letters and digits only, folded: `KOMPAS.com` and `kompas.com` are `kompascom`."""
    return "".join(_WORDS.findall(fold(value)))


def _names(source: str | None, url: str | None) -> set[str]:
    """The article's own source, as a name and as a site (`www.kompas.com` is `kompascom`)."""
    names = set()
    if source and source.strip():
        names.add(_squashed(source))
    if url:
        try:
            host = urlsplit(url.strip()).hostname or ""
        except ValueError:
            host = ""
        host = host.removeprefix("www.")
        if host:
            names.add(_squashed(host))
            names.add(_squashed(host.rsplit(".", 1)[0]))  # `kompas.com`: KOMPAS too
    return {name for name in names if len(name) >= 3}
