"""CoNLL-2003 IOB2 export: exact columns, sentences, documents, and reported spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.export.model import tokenize
from store.formats.conll import DOCSTART, conll_document, write_conll
from tests.store.export_helpers import EXAMPLE, example_doc, make_doc, read_iob, run_writer

EXPECTED = """\
-DOCSTART- -X- -X- O

Rusia -X- -X- B-GPE
memasok -X- -X- O
sistem -X- -X- O
pertahanan -X- -X- O
udara -X- -X- O
S-300 -X- -X- B-WEAPON
ke -X- -X- O
Kirgizstan -X- -X- B-GPE
pada -X- -X- O
Februari -X- -X- B-DATE
2021 -X- -X- I-DATE
. -X- -X- O

"""


def test_the_running_example_is_written_exactly(tmp_path: Path) -> None:
    text, skipped = run_writer(write_conll, [example_doc()], tmp_path)
    assert text == EXPECTED
    assert skipped == []


def test_a_strict_iob2_reader_finds_every_span_again(tmp_path: Path) -> None:
    doc = example_doc()
    documents = read_iob(run_writer(write_conll, [doc, doc], tmp_path)[0])
    assert len(documents) == 2
    tokens = tokenize(doc.text)
    for entities in documents:
        found = {(tokens[first].start, tokens[last].end, label) for label, first, last in entities}
        assert found == {(s.start, s.end, s.label) for s in doc.spans}


def test_spacy_reads_the_tags_as_valid_iob(tmp_path: Path) -> None:
    spacy_iob = pytest.importorskip("spacy.training.iob_utils")
    text = run_writer(write_conll, [example_doc()], tmp_path)[0]
    tags = [line.split(" ")[3] for line in text.split("\n") if line and line != DOCSTART]
    entities = spacy_iob.tags_to_entities(spacy_iob.iob_to_biluo(tags))
    assert [label for label, _s, _e in entities] == ["GPE", "WEAPON", "GPE", "DATE"]


def test_sentences_are_separated_by_a_blank_line_and_documents_by_docstart(tmp_path: Path) -> None:
    text = "Rusia memasok S-300. Kazakhstan membeli Su-57E.\n\nBaca juga: Moskwa"
    doc = make_doc(text, [(0, 5, "GPE"), (21, 31, "GPE"), (60, 66, "GPE")])
    lines, skipped = conll_document(doc)
    assert skipped == []
    assert lines[:2] == [DOCSTART, ""]
    blank = [i for i, line in enumerate(lines) if line == ""]
    assert [lines[i + 1].split()[0] for i in blank[:-1]] == ["Rusia", "Kazakhstan", "Baca"]
    assert lines[-1] == "" and lines[-2] == "Moskwa -X- -X- B-GPE"
    twice = run_writer(write_conll, [doc, doc], tmp_path)[0]
    assert twice.split("\n").count(DOCSTART) == 2


def test_a_span_inside_a_token_cuts_it_and_one_on_whitespace_is_reported_never_shifted() -> None:
    doc = make_doc(EXAMPLE, [(0, 4, "GPE"), (39, 43, "WEAPON"), (46, 57, "GPE")])
    lines, skipped = conll_document(doc)
    assert [(s.start, s.end, s.text, s.reason) for s in skipped] == [
        (46, 57, " Kirgizstan", "starts or ends with whitespace"),
    ]
    rows = [line.split() for line in lines[2:-1]]
    assert [(r[0], r[3]) for r in rows[:2]] == [("Rusi", "B-GPE"), ("a", "O")]
    assert [(r[0], r[3]) for r in rows[6:10]] == [  # "-300", tokenised alone
        ("S", "O"),
        ("-", "B-WEAPON"),
        ("300", "I-WEAPON"),
        ("ke", "O"),
    ]
    assert "".join(r[0] for r in rows) == "".join(EXAMPLE.split())  # no token text changed
    assert [r[3] for r in rows].count("O") == len(rows) - 3
    assert skipped[0].to_dict()["article"] == "a1" and skipped[0].kind == "span"


def test_overlapping_and_sentence_crossing_spans_are_reported() -> None:
    text = "Menteri Sergei Shoigu tiba. Moskwa menyambut."
    doc = make_doc(text, [(0, 21, "PERSON"), (8, 21, "PERSON"), (22, 34, "GPE")])
    _lines, skipped = conll_document(doc)
    assert [(s.text, s.reason) for s in skipped] == [
        ("Sergei Shoigu", "overlaps 'Menteri Sergei Shoigu' at 0-21"),
        ("tiba. Moskwa", "crosses a sentence boundary"),
    ]


def test_tokens_never_contain_whitespace_even_with_tabs_and_emoji() -> None:
    text = "Keren\tbanget 👍🏽 Rusia-Belarus\u00a0dan e\u0301 🇷🇺 🏳️‍🌈 selesai"
    doc = make_doc(text, [])
    lines, _skipped = conll_document(doc)
    tokens = [line.split(" ")[0] for line in lines[2:] if line]
    assert all(not any(c.isspace() for c in token) for token in tokens)
    assert all(len(line.split()) == 4 for line in lines[2:] if line)
    assert "👍🏽" in tokens and "🇷🇺" in tokens and "e\u0301" in tokens
    assert tokens[tokens.index("Rusia") : tokens.index("Rusia") + 3] == ["Rusia", "-", "Belarus"]


def test_an_empty_document_is_only_its_docstart() -> None:
    lines, skipped = conll_document(make_doc("   ", []))
    assert lines == [DOCSTART, ""] and skipped == []
