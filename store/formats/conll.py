"""CoNLL-2003 columns, IOB2: written per article with `-DOCSTART-`, read back (IOB1 or IOB2).

Writing: four columns (`TOKEN POS CHUNK NER`), IOB2, `-DOCSTART-` per article.

Sentences come from `store.corpus.sentences.sentence_spans` (or, for an article imported from CoNLL,
the sentences its file gave), tokens from `model.document_tokens`: telaah's tokens, cut at every
span boundary inside one, so that every span falls on token boundaries and a token never
contains whitespace. A span that cannot be written exactly (starting or ending with whitespace,
across a sentence end, overlapping another one) is reported, never shifted.

Reading: 2003-style columns, IOB1 or IOB2; the token is the first column, the tag the last.

In a file whose columns are TAB-separated the lines are split on TAB only, so a token that holds
a space (`es krim<TAB>B-FNB`) stays whole; otherwise on whitespace. LF or CRLF line endings.

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
    ExportContext,
    ExportDoc,
    ExportSpan,
    Skipped,
    Token,
    document_tokens,
    unalignable,
)
from store.formats.problems import Problem, decode_error
from store.formats.reading import Item, ReadDoc

DOCSTART = "-DOCSTART- -X- -X- O"
UNKNOWN = "-X-"  # POS and chunk: telaah does not tag them
_SPACE = re.compile(r"\s")


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
    tokens = document_tokens(doc)
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
    lines = [DOCSTART, ""]
    for index, token in enumerate(tokens):
        if index and sentence_of[index] != sentence_of[index - 1]:
            lines.append("")
        lines.append(f"{token.text} {UNKNOWN} {UNKNOWN} {tags[index]}")
    if tokens:
        lines.append("")
    skipped.sort(key=lambda s: (s.start or 0, s.end or 0))
    return lines, skipped


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


@dataclass(slots=True)
class _Doc:
    line: int
    sentences: list[list[tuple[str, str, int]]] = field(default_factory=list)  # token, tag, line
    current: list[tuple[str, str, int]] = field(default_factory=list)

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
    doc: _Doc | None = None
    count = 0
    tabbed = "\t" in text  # TAB-separated columns: a token may hold a space (`es krim`)
    # LF or CRLF only: `splitlines` would also break a line at U+2028, U+0085, FF...
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        columns = _columns(line, tabbed)
        if columns and line.split(maxsplit=1)[0] == DOCSTART_TOKEN:
            if doc is not None:
                count += 1
                yield from _finish(path, doc, count)
            doc = _Doc(number)
            continue
        if doc is None:
            doc = _Doc(number)
        if not columns:
            doc.end_sentence()
            continue
        tag = columns[-1] if len(columns) > 1 else "O"
        if len(columns) == 1:
            yield Problem(path, number, f"no tag column after {columns[0]!r}: read as O")
        elif not _valid_tag(tag):
            yield Problem(path, number, f"tag {tag!r} is not O, B-LABEL or I-LABEL: read as O")
            tag = "O"
        doc.current.append((columns[0], tag, number))
    if doc is not None:
        count += 1
        yield from _finish(path, doc, count)


def _columns(line: str, tabbed: bool) -> list[str]:
    """The columns of one line: split on TAB in a TAB-separated file (a token keeps its inner
    spaces), else on whitespace; empty columns dropped."""
    if not tabbed:
        return line.split()
    return [column for column in (c.strip() for c in line.split("\t")) if column]


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
    offset = 0
    for sentence in doc.sentences:
        if parts:
            parts.append("\n")
            offset += 1
        first = offset
        open_span: list[object] | None = None  # [label, start, end, line]
        for index, (token, tag, line) in enumerate(sentence):
            if index:
                parts.append(" ")
                offset += 1
            start, offset = offset, offset + len(token)
            parts.append(token)
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
