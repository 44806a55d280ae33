"""What every export format is written from: detached articles with their spans and facts.

`selection.iter_docs` reads them from the database in pages (bounded memory); each format
module turns `ExportDoc`s into its own files, and each importer turns files back into them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

_MARK = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"  # combining
_GLUE = f"[{_MARK}\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]"  # VS, skin, tags
_WORD = f"(?:\\w|[{_MARK}])+"
_TOKEN = re.compile(
    f"{_WORD}(?:[-'’.]{_WORD})*"  # words, with inner hyphens, apostrophes, dots
    "|[\U0001f1e6-\U0001f1ff]{2}"  # a flag: two regional indicators
    f"|[^\\w\\s]{_GLUE}*(?:\u200d[^\\w\\s]{_GLUE}*)*"  # a symbol or one emoji sequence
)


@dataclass(frozen=True, slots=True)
class ExportSpan:
    """A mention: code-point offsets into the article text; `text == doc.text[start:end]`."""

    id: int
    start: int
    end: int
    text: str
    label: str
    entity_key: str | None = None
    entity_name: str | None = None
    state: str = "accepted"
    origin: str = "gazetteer"
    matched_alias: str | None = None
    score: float | None = None
    reviewer: str | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ExportFact:
    """A fact: its roles name span ids of the same document."""

    id: int
    type: str
    state: str
    roles: dict[str, list[int]]
    evidence: tuple[int, int] | None = None
    note: str | None = None
    needs_review: bool = False


@dataclass(frozen=True, slots=True)
class ExportDoc:
    """An article with the spans and facts selected for export."""

    id: int
    external_id: str
    title: str
    text: str
    source: str | None = None
    url: str | None = None
    published: date | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    spans: tuple[ExportSpan, ...] = ()
    facts: tuple[ExportFact, ...] = ()


@dataclass(frozen=True, slots=True)
class Token:
    """A token: never contains whitespace; `text == doc.text[start:end]`."""

    start: int
    end: int
    text: str


def tokenize(text: str) -> list[Token]:
    """Words (with inner hyphens, apostrophes and dots: `S-300`, `Kompas.com`) and single
    punctuation marks; whitespace is never part of a token."""
    return [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def token_offsets(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each token of `tokenize(text)`, without building `Token`s (the JSONL
    export of 100,000 articles needs the speed)."""
    return [m.span() for m in _TOKEN.finditer(text)]
