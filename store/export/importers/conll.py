"""Read CoNLL (2003-style columns, IOB1 or IOB2): the token is the first column, the tag the last.

Documents are split on `-DOCSTART-` lines, sentences on blank lines. The text is rebuilt with a
single space between tokens and a line break between sentences, and the spans' offsets follow
it; the sentence boundaries are kept in the article's meta (`sentences`), so that a CoNLL export
of the article writes the same sentences again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from store.export.model import ExportDoc, ExportSpan
from store.formats.problems import Problem, decode_error
from store.ingest.annotated import Item, ReadDoc

DOCSTART = "-DOCSTART-"
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
    for number, line in enumerate(text.splitlines(), 1):
        columns = line.split()
        if columns and columns[0] == DOCSTART:
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
