"""CoNLL-2003 columns, IOB2: written per article with `-DOCSTART-`, read back (IOB1 or IOB2).

Writing: four columns (`TOKEN POS CHUNK NER`), IOB2, `-DOCSTART-` per article.

Sentences come from `store.corpus.sentences.sentence_spans` (or, for an article imported from CoNLL,
the sentences its file gave), tokens from `model.document_tokens`: the article's arrival tokens
if it has them, else telaah's tokens, cut at every span boundary inside one, so that every span
falls on token boundaries. POS and chunk are the arrival tokens' `pos` and `chunk` columns where
they exist (a piece of a cut token keeps its token's), `-X-` otherwise. A token's text is never
changed: one that holds a space (`es krim`) is written on a TAB-separated line; only what a line
cannot hold is left out (a whitespace-only token; a line break inside a token, where it is cut).
A span that cannot be written exactly (starting or ending with whitespace, across a sentence
end, overlapping another one) is reported, never shifted.

Reading: 2003-style columns, IOB1 or IOB2; the token is the first column, the tag the last, the
columns between kept as the tokens' columns (`pos` and `chunk` for four columns, else `col1`,
`col2`, ...; a column that is all `-X-` is not kept). The tokens are kept as the article's
arrival tokens.

In a document (from one `-DOCSTART-` to the next) whose lines hold TABs, the lines are split on
TAB only, so a token that holds a space (`es krim<TAB>B-FNB`) stays whole; otherwise on
whitespace. LF or CRLF line endings. The writer writes a document TAB-separated when a token
or column holds a space, so files of both kinds of documents read back.

Documents are split on `-DOCSTART-` lines, sentences on blank lines. The text is rebuilt with a
single space between tokens and a line break between sentences, and the spans' offsets follow
it; the sentence boundaries are kept in the article's meta (`sentences`), so that a CoNLL export
of the article writes the same sentences again.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from store.corpus.sentences import sentence_spans
from store.export.model import (
    ArrivalTokens,
    ExportContext,
    ExportDoc,
    ExportSpan,
    Skipped,
    Token,
    document_tokens,
    trim_whitespace,
    unalignable,
)
from store.formats.problems import Problem, decode_error
from store.formats.reading import Item, Note, ReadDoc

DOCSTART = "-DOCSTART- -X- -X- O"
UNKNOWN = "-X-"  # POS and chunk: telaah does not tag them
WRITTEN_COLUMNS = ("pos", "chunk")  # the columns between the token and the tag
_SPACE = re.compile(r"\s")
# What a line cannot hold: a token is cut at line breaks and TABs (as `str.splitlines` sees them).
_LINE_BREAK = re.compile(r"[\t\n\x0b\x0c\r\x1c-\x1e\x85\u2028\u2029]+")


@dataclass(frozen=True, slots=True)
class TokenSpan:
    """A span that falls on token boundaries: its first and last (inclusive) token indices."""

    span: ExportSpan
    first: int
    last: int


def align_spans(
    doc: ExportDoc,
    tokens: list[Token],
    *,
    allow_overlap: bool = False,
) -> tuple[list[TokenSpan], list[Skipped]]:
    """The spans of `doc` that start and end on token boundaries, and the others, reported.

    With the tokens of `document_tokens(doc)` only a span no tokenisation can align
    (`model.unalignable`) is off token boundaries.

    Unless `allow_overlap`, a span sharing a token with one kept before it (in text order,
    longer first) is reported too: IOB tags cannot nest.
    """
    starts = {t.start: i for i, t in enumerate(tokens)}
    ends = {t.end: i for i, t in enumerate(tokens)}
    kept: list[TokenSpan] = []
    skipped: list[Skipped] = []
    taken: dict[int, ExportSpan] = {}  # token index -> the span that holds it
    for span in sorted(doc.spans, key=lambda s: (s.start, -s.end, s.id)):
        first, last = starts.get(span.start), ends.get(span.end)
        reason = None
        if first is None or last is None or last < first:
            reason = unalignable(doc.text, span.start, span.end) or "not on token boundaries"
        elif not allow_overlap:
            holder = next((taken[i] for i in range(first, last + 1) if i in taken), None)
            if holder is not None:
                reason = f"overlaps {holder.text!r} at {holder.start}-{holder.end}"
        if reason is not None:
            skipped.append(skip(doc, span, reason))
            continue
        assert first is not None and last is not None
        if not allow_overlap:
            taken.update(dict.fromkeys(range(first, last + 1), span))
        kept.append(TokenSpan(span, first, last))
    return kept, skipped


def skip(doc: ExportDoc, span: ExportSpan, reason: str) -> Skipped:
    """The report of `span` of `doc`, not exported for `reason` (as `ExportContext` makes it)."""
    return Skipped(doc.external_id, "span", span.label, reason, span.start, span.end, span.text)


def conll_document(doc: ExportDoc) -> tuple[list[str], list[Skipped]]:
    """The lines of one article (from its `-DOCSTART-` line on, blank lines as ""), and the
    spans that could not be written."""
    tokens = conll_tokens(doc)
    kept, skipped = align_spans(doc, tokens)
    sentence_of = _sentence_index(doc, tokens)
    tags = ["O"] * len(tokens)
    for item in kept:
        label = item.span.label
        if not label or _SPACE.search(label):
            skipped.append(skip(doc, item.span, "the label is empty or contains whitespace"))
            continue
        if sentence_of[item.first] != sentence_of[item.last]:
            skipped.append(skip(doc, item.span, "crosses a sentence boundary"))
            continue
        tags[item.first] = f"B-{label}"
        for index in range(item.first + 1, item.last + 1):
            tags[index] = f"I-{label}"
    columns = doc.tokens.columns if doc.tokens is not None else {}
    written = [columns.get(name) for name in WRITTEN_COLUMNS]
    rows: list[list[str] | None] = []  # None: a sentence break
    for index, token in enumerate(tokens):
        if index and sentence_of[index] != sentence_of[index - 1]:
            rows.append(None)
        fields = [token.text]
        for values in written:
            value = values[token.arrival] if values and token.arrival is not None else ""
            fields.append(value if value.strip() and not _LINE_BREAK.search(value) else UNKNOWN)
        fields.append(tags[index])
        rows.append(fields)
    # A token or column that holds a space: the whole document TAB-separated, as read back.
    spaced = any(_SPACE.search(f) for row in rows if row is not None for f in row)
    separator = "\t" if spaced else " "
    lines = [DOCSTART, ""]
    lines.extend("" if row is None else separator.join(row) for row in rows)
    if tokens:
        lines.append("")
    skipped.sort(key=lambda s: (s.start or 0, s.end or 0))
    return lines, skipped


def conll_tokens(doc: ExportDoc) -> list[Token]:
    """The tokens a CoNLL export writes for `doc`: `document_tokens`, without whitespace-only
    ones and cut at line breaks and TABs (which a line cannot hold); telaah's own tokens are
    never either, so they are written as they are."""
    tokens = document_tokens(doc)
    if doc.tokens is None:
        return tokens
    text = doc.text
    written: list[Token] = []
    for token in tokens:
        if not _SPACE.search(token.text):
            written.append(token)
            continue
        position = token.start
        for piece in [*_LINE_BREAK.finditer(token.text), None]:
            end = token.start + piece.start() if piece is not None else token.end
            kept = trim_whitespace(text, position, end)
            if kept is not None:
                written.append(Token(*kept, text[kept[0] : kept[1]], token.arrival))
            if piece is not None:
                position = token.start + piece.end()
    return written


def iter_conll(docs: Iterable[ExportDoc], on_skip: Callable[[Skipped], None]) -> Iterator[str]:
    """The CoNLL text of `docs`, one article at a time; spans not written go to `on_skip`."""
    for doc in docs:
        lines, missed = conll_document(doc)
        for item in missed:
            on_skip(item)
        yield "".join(line + "\n" for line in lines)


def write_conll(docs: Iterable[ExportDoc], path: Path, context: ExportContext) -> None:
    """Write `docs` to `path` as CoNLL-2003 IOB2 (UTF-8, LF); report the spans not written."""
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for chunk in iter_conll(docs, context.on_skip):
            handle.write(chunk)


def sentences_of(doc: ExportDoc) -> list[tuple[int, int]]:
    """The article's sentences: those an imported CoNLL file gave (kept in the meta under
    `sentences`, when they are ordered spans inside the text), else the splitter's."""
    given = doc.meta.get("sentences") if isinstance(doc.meta, dict) else None
    if isinstance(given, list) and given:
        spans: list[tuple[int, int]] = []
        previous = 0
        for item in given:
            if not (
                isinstance(item, list | tuple)
                and len(item) == 2
                and all(isinstance(x, int) for x in item)
                and previous <= item[0] <= item[1] <= len(doc.text)
            ):
                break
            spans.append((item[0], item[1]))
            previous = item[1]
        else:
            return spans
    return sentence_spans(doc.text)


def _sentence_index(doc: ExportDoc, tokens: list[Token]) -> list[int]:
    """For each token, the index of the sentence its first character is in."""
    starts = [start for start, _end in sentences_of(doc)]
    return [max(bisect_right(starts, token.start) - 1, 0) for token in tokens]


# Reading

DOCSTART_TOKEN = "-DOCSTART-"
SENTENCES = "sentences"  # the meta key of the sentence boundaries, [[start, end], ...]


_Line = tuple[str, str, int, tuple[str, ...]]  # token, tag, line, the columns between them


@dataclass(slots=True)
class _Doc:
    line: int
    sentences: list[list[_Line]] = field(default_factory=list)
    current: list[_Line] = field(default_factory=list)

    def end_sentence(self) -> None:
        if self.current:
            self.sentences.append(self.current)
            self.current = []


def read_conll(path: Path) -> Iterator[Item]:
    """The documents of a CoNLL file, and a problem (with its line) for each bad line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Problem(path, None, f"cannot read: {exc.strerror or exc}")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield decode_error(path, exc)
        return
    count = 0
    for first, lines in _documents(text):
        doc = _Doc(first)
        tabbed = any("\t" in line for _number, line in lines)  # a token may hold a space
        for number, line in lines:
            columns = _columns(line, tabbed)
            if not columns:
                doc.end_sentence()
                continue
            tag = columns[-1] if len(columns) > 1 else "O"
            if len(columns) == 1:
                yield Problem(path, number, f"no tag column after {columns[0]!r}: read as O")
            elif not _valid_tag(tag):
                message = f"tag {tag!r} is not O, B-LABEL or I-LABEL: read as O"
                yield Problem(path, number, message)
                tag = "O"
            doc.current.append((columns[0], tag, number, tuple(columns[1:-1])))
        count += 1
        yield from _finish(path, doc, count)


def _documents(text: str) -> Iterator[tuple[int, list[tuple[int, str]]]]:
    """The documents of a file: the line each starts at (its `-DOCSTART-` line, or the first),
    and its other lines with their numbers."""
    first, lines = 1, list[tuple[int, str]]()
    # LF or CRLF only: `splitlines` would also break a line at U+2028, U+0085, FF...
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if line.split(maxsplit=1)[:1] == [DOCSTART_TOKEN]:
            if number > 1:
                yield first, lines
            first, lines = number, []
        else:
            lines.append((number, line))
    yield first, lines


def _columns(line: str, tabbed: bool) -> list[str]:
    """The columns of one line: split on TAB in a document whose lines hold TABs (a token keeps
    its inner spaces: `es krim<TAB>B-FNB`), else on whitespace; empty columns dropped."""
    if not tabbed:
        return line.split()
    return [column for column in (c.strip() for c in line.split("\t")) if column]


def _token_columns(path: Path, doc: _Doc) -> tuple[dict[str, tuple[str, ...]], Note | None]:
    """The columns between token and tag, by name (`pos`, `chunk` for CoNLL-2003's four
    columns, else `col1`, ...), without those that are all `-X-`; none, with a note, when the
    lines do not all have as many."""
    lines = [item for sentence in doc.sentences for item in sentence]
    widths = {len(middle) for _token, _tag, _line, middle in lines}
    if len(widths) != 1:
        message = "its lines have different numbers of columns: only tokens and tags are kept"
        return {}, Note(Problem(path, doc.line, message), "token column")
    (width,) = widths
    names = (
        WRITTEN_COLUMNS if width == len(WRITTEN_COLUMNS) else [f"col{n + 1}" for n in range(width)]
    )
    columns: dict[str, tuple[str, ...]] = {}
    for index, name in enumerate(names):
        values = tuple(middle[index] for _token, _tag, _line, middle in lines)
        if any(value != UNKNOWN for value in values):
            columns[name] = values
    return columns, None


def _valid_tag(tag: str) -> bool:
    prefix, dash, label = tag.partition("-")
    return tag == "O" or (prefix in ("B", "I") and bool(dash) and bool(label))


def _finish(path: Path, doc: _Doc, count: int) -> Iterator[Item]:
    doc.end_sentence()
    if not doc.sentences:
        return
    parts: list[str] = []
    sentences: list[list[int]] = []
    spans: list[ExportSpan] = []
    span_lines: dict[int, int] = {}
    offsets: list[tuple[int, int]] = []
    offset = 0
    for sentence in doc.sentences:
        if parts:
            parts.append("\n")
            offset += 1
        first = offset
        open_span: list[object] | None = None  # [label, start, end, line]
        for index, (token, tag, line, _middle) in enumerate(sentence):
            if index:
                parts.append(" ")
                offset += 1
            start, offset = offset, offset + len(token)
            parts.append(token)
            offsets.append((start, offset))
            prefix, _, label = tag.partition("-")
            if tag == "O" or prefix == "B" or open_span is None or open_span[0] != label:
                if open_span is not None:
                    _close(spans, span_lines, open_span)
                open_span = None if tag == "O" else [label, start, offset, line]
            else:
                open_span[2] = offset
        if open_span is not None:
            _close(spans, span_lines, open_span)
        sentences.append([first, offset])
    text = "".join(parts)
    spans = [
        ExportSpan(
            id=s.id,
            start=s.start,
            end=s.end,
            text=text[s.start : s.end],
            label=s.label,
            origin="import",
        )
        for s in spans
    ]
    columns, note = _token_columns(path, doc)
    if note is not None:
        yield note
    yield ReadDoc(
        path,
        doc.line,
        ExportDoc(
            id=0,
            external_id=f"{path.stem}-{count}",
            title="",
            text=text,
            meta={SENTENCES: sentences},
            spans=tuple(spans),
            tokens=ArrivalTokens("conll", tuple(offsets), columns),
        ),
        span_lines,
    )


def _close(spans: list[ExportSpan], span_lines: dict[int, int], open_span: list[object]) -> None:
    label, start, end, line = open_span
    assert isinstance(label, str) and isinstance(start, int) and isinstance(end, int)
    assert isinstance(line, int)
    span_id = len(spans)
    spans.append(ExportSpan(id=span_id, start=start, end=end, text="", label=label))
    span_lines[span_id] = line
