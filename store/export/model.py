"""What every format is written from: detached articles with their spans and facts.

`selection.iter_docs` reads them from the database in pages (bounded memory); each format
module of `store.formats` turns `ExportDoc`s into its own files (given an `ExportContext`), and
its reader turns files back into them. This module imports no format, so that every format
can import it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from store.schema import Schema

_MARK = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"  # combining
_GLUE = f"[{_MARK}\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]"  # VS, skin, tags
_CHAR = f"[\\w{_MARK}]"  # a word character or a combining mark (one class: no alternation)
_WORD = f"{_CHAR}+"
_LETTER = "[^\\W\\d_]"
# Joins two word parts: a hyphen unless it stands between two letters (spaCy's infix rule:
# "S-300", "Su-57E" stay whole, "Rusia-Kazakhstan" is split), a dot ("Kompas.com"), an
# apostrophe unless it starts the clitic 's ("Jum'at" stays whole, "Uber's" is split).
_JOIN = f"(?:(?<!{_LETTER})(?<![{_MARK}])-|-(?!{_LETTER})|[.]|['’](?![sS](?![\\w{_MARK}])))"
# A reduplication stays whole, as in spaCy's Indonesian exceptions: "negara-negara",
# "berhati-hati", "sebaik-baiknya" (a prefix of at most four letters: linear time). Tried only
# where the word is followed by a hyphen (the lookahead: most words fail it at once).
_REDUPLICATION = (
    f"(?={_CHAR}+-){_CHAR}{{0,4}}?(?P<w>{_CHAR}{{3,}})-(?i:(?P=w))(?:nya|an|kan|i)?(?![\\w{_MARK}])"
)
_TOKEN = re.compile(
    f"['’][sS](?![\\w{_MARK}])"  # the clitic 's, as spaCy's suffix rule splits it
    f"|(?:{_REDUPLICATION}|{_WORD})(?:(?=[-.'’]){_JOIN}{_WORD})*"  # words
    "|[\U0001f1e6-\U0001f1ff]{2}"  # a flag: two regional indicators
    f"|[^\\w\\s]{_GLUE}*(?:\u200d[^\\w\\s]{_GLUE}*)*"  # a symbol or one emoji sequence
)
_SPAN = re.Match.span


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
    # brat `A`/`M` attributes (name, value; None: a flag) and `#` notes (kind, text).
    attributes: tuple[tuple[str, str | None], ...] = ()
    notes: tuple[tuple[str, str], ...] = ()


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
    # brat `A`/`M` attributes and the notes after `note` (kind, text); roles filled by other
    # facts of the document (nested events: role -> fact ids).
    attributes: tuple[tuple[str, str | None], ...] = ()
    notes: tuple[tuple[str, str], ...] = ()
    fact_roles: dict[str, list[int]] = field(default_factory=dict)


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
    tokens: ArrivalTokens | None = None  # the tokenisation the article arrived with
    # brat `*` equivalence sets: (type, span ids).
    equivalences: tuple[tuple[str, tuple[int, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class ArrivalTokens:
    """The tokenisation an article arrived with (a CoNLL file's tokens, Prodigy's `tokens`).

    Attributes:
        source: the format it came from ("conll", "jsonl").
        offsets: (start, end) of each token, code points into the article's text, in order.
        columns: the source's other per-token columns by name (CoNLL `pos`, `chunk`), one
            value a token.
    """

    source: str
    offsets: tuple[tuple[int, int], ...]
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def fits(self, text: str) -> bool:
        """Whether the tokens can tokenise `text`: non-empty, in order, not overlapping, inside
        it, and every column has one value a token."""
        previous = 0
        for start, end in self.offsets:
            if not previous <= start < end:
                return False
            previous = end
        return previous <= len(text) and all(
            len(values) == len(self.offsets) for values in self.columns.values()
        )


@dataclass(frozen=True, slots=True)
class Token:
    """A token: `text == doc.text[start:end]`; telaah's never contain whitespace (arrival
    tokens may: a CoNLL `es krim`). `arrival`: the index of the arrival token it is (a piece
    of), None for telaah's own."""

    start: int
    end: int
    text: str
    arrival: int | None = None


def tokenize(text: str) -> list[Token]:
    """Words and single punctuation marks, by spaCy's rules where they matter here; whitespace
    is never part of a token.

    A hyphen between two letters is split off ("Rusia-Kazakhstan" -> "Rusia", "-",
    "Kazakhstan"), one next to a digit is not ("S-300", "Su-57E"); a reduplication stays whole
    ("negara-negara", "berhati-hati"); inner dots and apostrophes join ("Kompas.com",
    "Jum'at"), but the clitic 's is split ("Uber's" -> "Uber", "'s"); every other punctuation
    mark is a token; an emoji sequence, a flag and a letter with its combining marks are kept
    whole.
    """
    return [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def token_offsets(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each token of `tokenize(text)`, without building `Token`s (the JSONL
    export of 100,000 articles needs the speed)."""
    return list(map(_SPAN, _TOKEN.finditer(text)))


def unalignable(text: str, start: int, end: int) -> str | None:
    """Why no tokenisation can give the span [start, end) its own tokens, or None if one can:
    tokens are never empty and never hold whitespace."""
    if not 0 <= start < end <= len(text):
        return "empty or outside the text"
    if text[start].isspace() or text[end - 1].isspace():
        return "starts or ends with whitespace"
    return None


def document_offsets(
    text: str, spans: Iterable[ExportSpan], tokens: ArrivalTokens | None = None
) -> list[tuple[int, int]]:
    """The (start, end) of the tokens an export writes for an article: its arrival `tokens`
    when it has them (and they fit the text), else `token_offsets(text)`; a token a span starts
    or ends inside is cut there.

    So every span that `unalignable` accepts starts at a token's start and ends at a token's
    end, in every token-based format (CoNLL, spaCy, the JSONL token indices); a token's text is
    always `text[start:end]`. telaah's tokens never hold whitespace: each piece of a cut one is
    tokenised as if alone, so that the tokens, written apart and read back, tokenise to
    themselves again. A cut arrival token is cut at the boundaries only (each piece without
    the whitespace at its ends).
    """
    return document_pieces(text, spans, tokens)[0]


def document_pieces(
    text: str, spans: Iterable[ExportSpan], tokens: ArrivalTokens | None = None
) -> tuple[list[tuple[int, int]], list[int] | None]:
    """`document_offsets`, and for arrival tokens the index of the arrival token each comes
    from (its column values are that token's); None for telaah's tokens."""
    cuts = sorted({point for span in spans for point in (span.start, span.end)})
    if tokens is not None and tokens.fits(text):
        origin: list[int] = []
        return _cut(text, tokens.offsets, cuts, _arrival_pieces, origin), origin
    offsets = token_offsets(text)
    return (_cut(text, offsets, cuts, _telaah_pieces, None) if cuts else offsets), None


Pieces = Callable[[str, int, int], Sequence[tuple[int, int]]]


def _telaah_pieces(text: str, start: int, end: int) -> Sequence[tuple[int, int]]:
    """A piece of a cut token of telaah's, tokenised as if alone."""
    return [(start + a, start + b) for a, b in token_offsets(text[start:end])]


def _arrival_pieces(text: str, start: int, end: int) -> Sequence[tuple[int, int]]:
    """A piece of a cut arrival token, without the whitespace at its ends."""
    piece = trim_whitespace(text, start, end)
    return () if piece is None else (piece,)


def _cut(
    text: str,
    offsets: Sequence[tuple[int, int]],
    cuts: Sequence[int],
    pieces: Pieces,
    origin: list[int] | None,
) -> list[tuple[int, int]]:
    """`offsets` with each token that a point of `cuts` falls inside cut there into `pieces`;
    `origin`, if given, gets the index of the token each result comes from.

    The tokens cut are found by bisection (an article has hundreds of tokens and a few dozen
    cut points); the others are copied in slices."""
    starts = [start for start, _end in offsets]
    inside: dict[int, list[int]] = {}  # token index -> the cut points inside it, in order
    for point in cuts:
        index = bisect_right(starts, point) - 1
        if index >= 0 and starts[index] < point < offsets[index][1]:
            inside.setdefault(index, []).append(point)
    result: list[tuple[int, int]] = []
    done = 0
    for index, points in inside.items():  # in token order: `cuts` is sorted
        result += offsets[done:index]
        if origin is not None:
            origin += range(done, index)
        start, end = offsets[index]
        bounds = [start, *points, end]
        for left, right in zip(bounds, bounds[1:], strict=False):
            made = pieces(text, left, right)
            result += made
            if origin is not None:
                origin += [index] * len(made)
        done = index + 1
    result += offsets[done:]
    if origin is not None:
        origin += range(done, len(offsets))
    return result


def trim_whitespace(text: str, start: int, end: int) -> tuple[int, int] | None:
    """[start, end) without the whitespace at its ends; None if nothing else is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def document_tokens(doc: ExportDoc) -> list[Token]:
    """The tokens of `document_offsets` for `doc`, as `Token`s (with the arrival token each
    comes from)."""
    text = doc.text
    offsets, origin = document_pieces(text, doc.spans, doc.tokens)
    if origin is None:
        return [Token(start, end, text[start:end]) for start, end in offsets]
    return [
        Token(start, end, text[start:end], index)
        for (start, end), index in zip(offsets, origin, strict=True)
    ]


def doc_offsets(doc: ExportDoc) -> list[tuple[int, int]]:
    """`document_offsets` of `doc` (its arrival tokens, if any, cut at its spans)."""
    return document_offsets(doc.text, doc.spans, doc.tokens)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A span or fact left out of an export, and why (listed in the manifest)."""

    article: str
    kind: str  # "span" or "fact"
    label: str  # the span's label or the fact's type
    reason: str
    start: int | None = None
    end: int | None = None
    text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the manifest."""
        return {
            "article": self.article,
            "kind": self.kind,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "reason": self.reason,
        }


OnSkip = Callable[[Skipped], None]


@dataclass
class ExportContext:
    """What a format writer may use besides the documents: the schema, format options
    (e.g. {"offsets": "utf16"}) and a place to report spans or facts it cannot write."""

    schema: Schema
    options: dict[str, str] = field(default_factory=dict)
    on_skip: Callable[[Skipped], None] = field(default=lambda _skipped: None)
    extras: dict[str, Any] = field(default_factory=dict)  # more manifest keys, by the writer

    def skip_span(self, doc: ExportDoc, span: ExportSpan, reason: str) -> None:
        """Report a span the format cannot express (it is never shifted or silently dropped)."""
        self.on_skip(
            Skipped(doc.external_id, "span", span.label, reason, span.start, span.end, span.text)
        )

    def lose(self, kind: str, count: int = 1) -> None:
        """Count an attribute, note, equivalence... the format cannot carry (the manifest's
        `not_carried`: never lost silently)."""
        lost = self.extras.setdefault("not_carried", {})
        lost[kind] = lost.get(kind, 0) + count

    def skip_fact(self, doc: ExportDoc, fact: ExportFact, reason: str) -> None:
        """Report a fact the format cannot express."""
        start, end = fact.evidence or (None, None)
        self.on_skip(Skipped(doc.external_id, "fact", fact.type, reason, start, end, None))


Writer = Callable[[Iterable[ExportDoc], Path, ExportContext], None]
