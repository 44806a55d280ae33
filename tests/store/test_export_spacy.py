"""spaCy DocBin export: spaCy itself loads it, and every exported span is a strict char_span.

spaCy is in the `dev` extra, so CI (env CI set) always runs these tests; elsewhere they are
skipped when spaCy is not installed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine

from store.errors import TelaahError
from store.export.model import ExportContext, ExportDoc
from store.export.selection import Selection
from store.export.writer import run_export
from store.formats.registry import get_format
from store.formats.spacy import MISSING, words_and_spaces, write_spacy
from store.schema import Schema
from tests.golden.corpus import golden_corpus
from tests.store.export_helpers import EXAMPLE, documents, example_doc, make_doc

if os.environ.get("CI"):
    import spacy  # CI installs the dev extra: a missing spaCy must fail, not skip
else:
    spacy = pytest.importorskip("spacy")


def export(docs: list[Any], tmp_path: Path) -> tuple[list[Any], list[Any]]:
    """Write `docs` as a DocBin and load it back with spaCy; the docs and the skipped spans."""
    from spacy.tokens import DocBin

    skipped: list[Any] = []
    path = tmp_path / "out.spacy"
    write_spacy(docs, path, ExportContext(Schema(), {}, skipped.append))
    nlp = spacy.blank("xx")
    loaded = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    return loaded, skipped


def test_spacy_loads_the_docbin_with_entities_and_kb_ids(tmp_path: Path) -> None:
    loaded, skipped = export([example_doc()], tmp_path)
    assert skipped == []
    (doc,) = loaded
    assert doc.text == EXAMPLE
    assert [(e.start_char, e.end_char, e.label_, e.kb_id_) for e in doc.ents] == [
        (0, 5, "GPE", "RU"),
        (38, 43, "WEAPON", "S300"),
        (47, 57, "GPE", "KG"),
        (63, 76, "DATE", ""),
    ]
    assert doc.user_data["telaah_id"] == "a1"


def test_every_exported_span_is_a_strict_char_span_whatever_the_whitespace(tmp_path: Path) -> None:
    text = "\n  Rusia\tmemasok  S-300 😀 ke\n\nKirgizstan 👍🏽  e\u0301 🇷🇺 2021.  \t"
    spans = [
        (text.index(surface), text.index(surface) + len(surface), label)
        for surface, label in (
            ("Rusia", "GPE"),
            ("S-300", "WEAPON"),
            ("Kirgizstan", "GPE"),
            ("👍🏽", "EMO"),
            ("🇷🇺", "FLAG"),
            ("e\u0301", "MARK"),
            ("masok", "CUT"),  # inside a token: the token is cut
        )
    ] + [(2, 8, "BAD")]  # starts with whitespace: no token can start there
    doc = make_doc(text, spans)
    loaded, skipped = export([doc], tmp_path)
    (made,) = loaded
    assert made.text == text  # offsets into the Doc are offsets into the stored text
    assert [(s.start, s.end, s.reason) for s in skipped] == [
        (2, 8, "starts or ends with whitespace")
    ]
    exported = sorted((span for span in doc.spans if span.start != 2), key=lambda s: s.start)
    assert [(e.start_char, e.end_char) for e in made.ents] == [(s.start, s.end) for s in exported]
    for span in exported:
        assert made.char_span(span.start, span.end, alignment_mode="strict") is not None
        assert made.text[span.start : span.end] == span.text


def test_overlapping_spans_are_reported(tmp_path: Path) -> None:
    doc = make_doc("Menteri Sergei Shoigu tiba", [(0, 21, "PERSON"), (8, 21, "PERSON")])
    loaded, skipped = export([doc], tmp_path)
    assert [e.text for e in loaded[0].ents] == ["Menteri Sergei Shoigu"]
    assert [s.reason for s in skipped] == ["overlaps 'Menteri Sergei Shoigu' at 0-21"]


def test_words_and_spaces_rebuild_the_text_exactly() -> None:
    for text in ("", " ", "a", " a  b\t\nc ", "a\u00a0b", "😀😀 x"):
        words, spaces = words_and_spaces(text)
        assert "".join(w + (" " if s else "") for w, s in zip(words, spaces, strict=True)) == text


def test_without_spacy_the_error_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "spacy", None)
    with pytest.raises(TelaahError) as caught:
        write_spacy([example_doc()], tmp_path / "x.spacy", ExportContext(Schema()))
    assert str(caught.value) == MISSING and "\n" not in MISSING
    assert not (tmp_path / "x.spacy").exists()


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=documents())
def test_random_texts_every_span_is_exported(doc: ExportDoc, tmp_path: Path) -> None:
    loaded, skipped = export([doc], tmp_path)
    (made,) = loaded
    assert made.text == doc.text
    assert skipped == []  # trimmed, non-overlapping spans: the tokens are cut to fit each one
    ents = {(e.start_char, e.end_char, e.label_) for e in made.ents}
    for span in doc.spans:
        assert made.char_span(span.start, span.end, alignment_mode="strict") is not None
        assert (span.start, span.end, span.label) in ents


def test_the_golden_corpus_every_span_is_a_strict_char_span_or_reported(
    engine: Engine, tmp_path: Path
) -> None:
    from spacy.tokens import DocBin

    golden_corpus(engine)
    run_export(engine, fmt=get_format("jsonl"), out=tmp_path / "g.jsonl", selection=Selection())
    report = run_export(
        engine, fmt=get_format("spacy"), out=tmp_path / "g.spacy", selection=Selection()
    )
    docs = list(DocBin().from_disk(tmp_path / "g.spacy").get_docs(spacy.blank("xx").vocab))
    records = [json.loads(line) for line in (tmp_path / "g.jsonl").read_text().splitlines()]
    reported = {(s.article, s.start, s.end) for s in report.skipped}
    assert len(docs) == len(records) == 4
    exported = 0
    for made, record in zip(docs, records, strict=True):
        assert made.text == record["text"] and made.user_data["telaah_id"] == record["id"]
        ents = {(e.start_char, e.end_char, e.label_, e.kb_id_) for e in made.ents}
        for span in record["spans"]:
            if (record["id"], span["start"], span["end"]) in reported:
                continue
            exported += 1
            assert made.char_span(span["start"], span["end"], alignment_mode="strict")
            assert (span["start"], span["end"], span["label"], span["kb_id"] or "") in ents
    assert exported == len([e for d in docs for e in d.ents]) > 100


def test_sentence_starts_are_those_of_the_conll_export(tmp_path: Path) -> None:
    text = "Rusia memasok S-300. Kazakhstan membeli Su-57E.\n\nBaca juga: Moskwa"
    loaded, _ = export([make_doc(text, [])], tmp_path)
    starts = [token.text for token in loaded[0] if token.is_sent_start]
    assert starts == ["Rusia", "Kazakhstan", "Baca"]
