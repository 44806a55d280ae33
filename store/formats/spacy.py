"""spaCy DocBin export (`.spacy`, the input of `spacy train`), behind the extra `telaah[spacy]`.

Each article becomes a `Doc` of the export's tokens (`model.document_offsets`: the tokens the
article arrived with, else telaah's, cut at every span boundary, so every span falls on token
boundaries) whose text is exactly the stored text: the whitespace between tokens is kept as
spaCy keeps it (one space as a token's trailing space, anything else as a whitespace token).
Entities are set with `doc.char_span(start, end, label=..., kb_id=..., alignment_mode="strict")`;
a span that starts or ends with whitespace, or overlaps one already set, is reported, never
shifted. Sentence starts are set as in the CoNLL export; the article's id and title travel in
the `Doc` (`user_data["telaah_id"]` and `["title"]`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from store.errors import TelaahError
from store.export.model import (
    ExportContext,
    ExportDoc,
    doc_offsets,
    token_offsets,
    unalignable,
)
from store.formats.conll import sentences_of

LANGUAGE = "xx"  # multi-language: a blank pipeline needs no model download
MISSING = "the spacy format needs spaCy: pip install 'telaah[spacy]'"


def load_spacy() -> Any:
    """The `spacy` module, imported on first use.

    Raises:
        TelaahError: spaCy is not installed (one line saying how to install it).
    """
    try:
        import spacy
    except ImportError:
        raise TelaahError(MISSING) from None
    return spacy


def words_and_spaces(
    text: str, offsets: Sequence[tuple[int, int]] | None = None
) -> tuple[list[str], list[bool]]:
    """spaCy `words` and `spaces` whose `Doc` text is exactly `text`, from the tokens at
    `offsets` (telaah's tokens of `text` if None)."""
    words: list[str] = []
    spaces: list[bool] = []
    position = 0

    def gap(whitespace: str) -> None:
        if not whitespace:
            return
        if words and not spaces[-1] and whitespace[0] == " ":
            spaces[-1] = True  # one space: the previous token's trailing space
            whitespace = whitespace[1:]
        if whitespace:
            words.append(whitespace)
            spaces.append(False)

    for start, end in token_offsets(text) if offsets is None else offsets:
        gap(text[position:start])
        words.append(text[start:end])
        spaces.append(False)
        position = end
    gap(text[position:])
    return words, spaces


def spacy_doc(doc: ExportDoc, vocab: Any, context: ExportContext | None = None) -> Any:
    """The `spacy.tokens.Doc` of one article, entities set; what cannot be set is reported to
    `context`."""
    from spacy.tokens import Doc

    words, spaces = words_and_spaces(doc.text, doc_offsets(doc))
    made = Doc(vocab, words=words, spaces=spaces)
    assert made.text == doc.text
    entities: list[Any] = []
    taken: dict[int, Any] = {}  # token index -> the span holding it
    for span in sorted(doc.spans, key=lambda s: (s.start, -s.end, s.id)):
        entity = made.char_span(
            span.start,
            span.end,
            label=span.label,
            kb_id=span.entity_key or "",
            alignment_mode="strict",
        )
        reason = None
        if entity is None:
            reason = unalignable(doc.text, span.start, span.end) or "not on token boundaries"
        else:
            holder = next((taken[i] for i in range(entity.start, entity.end) if i in taken), None)
            if holder is not None:
                reason = f"overlaps {holder.text!r} at {holder.start}-{holder.end}"
        if entity is None or reason is not None:
            if context is not None:
                context.skip_span(doc, span, reason or "not on token boundaries")
            continue
        taken.update(dict.fromkeys(range(entity.start, entity.end), span))
        entities.append(entity)
    made.ents = entities
    _mark_sentences(made, sentences_of(doc))
    made.user_data["telaah_id"] = doc.external_id
    made.user_data["title"] = doc.title
    return made


def _mark_sentences(made: Any, sentences: list[tuple[int, int]]) -> None:
    """Sentence starts (as the CoNLL export has them), for spaCy's sentence recogniser."""
    starts = {start for start, _end in sentences}
    for token in made:
        if not token.is_space:
            token.is_sent_start = token.idx in starts or token.i == 0


def write_spacy(docs: Iterable[ExportDoc], path: Path, context: ExportContext) -> None:
    """Write `docs` to `path` as one spaCy DocBin.

    Raises:
        TelaahError: spaCy is not installed.
    """
    spacy = load_spacy()
    from spacy.tokens import DocBin

    vocab = spacy.blank(LANGUAGE).vocab
    collection = DocBin(store_user_data=True)
    for doc in docs:
        collection.add(spacy_doc(doc, vocab, context))
    path.write_bytes(collection.to_bytes())
