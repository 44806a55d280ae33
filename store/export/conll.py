"""CoNLL-2003 export: four columns (`TOKEN POS CHUNK NER`), IOB2, `-DOCSTART-` per article.

Sentences come from `store.corpus.sentences.sentence_spans` (or, for an article imported from CoNLL,
the sentences its file gave), tokens from `model.tokenize`, so a token
never contains whitespace. A span that cannot be written exactly (not on token boundaries,
across a sentence end, overlapping another one) is reported, never shifted.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from store.corpus.sentences import sentence_spans
from store.export.model import ExportDoc, ExportSpan, Token, tokenize
from store.export.selection import Skipped
from store.export.writer import ExportContext

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
            reason = "not on token boundaries"
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
    tokens = tokenize(doc.text)
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
