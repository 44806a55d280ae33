"""Every accepted span is expressible in every token-based format: the export's tokens are cut
at span boundaries (`model.document_offsets`), on the sample corpus and on random texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine, select

from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.export.model import (
    ExportDoc,
    document_offsets,
    document_tokens,
    token_offsets,
    tokenize,
    unalignable,
)
from store.export.report import ExportReport
from store.export.selection import Selection
from store.export.writer import run_export
from store.formats.conll import read_conll, write_conll
from store.formats.jsonl import doc_line, write_jsonl
from store.formats.reading import ReadDoc
from store.formats.registry import get_format
from store.models import Mention
from store.review.mentions import decide_mention
from store.reviewers import ensure_reviewer
from tests.store.export_helpers import documents, make_doc, read_iob, run_writer

ALIGNMENT = ("not on token boundaries", "starts or ends with whitespace")
EVERYTHING = Selection(articles="all")  # every article, its accepted spans


@pytest.fixture
def all_accepted(engine: Engine) -> tuple[Engine, int]:
    """The sample corpus with every candidate accepted; the engine and the span count."""
    with session_scope(engine) as session:
        reviewer_id = ensure_reviewer(session=session, name="aligner")
    prepare_demo(engine, reviewer_id=reviewer_id)
    with session_scope(engine) as session:
        ids = list(session.execute(select(Mention.id).order_by(Mention.id)).scalars())
        for mention_id in ids:
            decide_mention(
                session=session, mention_id=mention_id, state="accepted", reviewer_id=reviewer_id
            )
        session.commit()
    return engine, len(ids)


def export(engine: Engine, fmt: str, out: Path) -> ExportReport:
    return run_export(engine, fmt=get_format(fmt), out=out, selection=EVERYTHING)


def alignment_skips(report: ExportReport) -> list[str]:
    return [f"{s.article} {s.text!r}: {s.reason}" for s in report.skipped if s.reason in ALIGNMENT]


def spans_of_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_sample_corpus_all_accepted_exports_every_span_in_conll(
    all_accepted: tuple[Engine, int], tmp_path: Path
) -> None:
    engine, total = all_accepted
    jsonl = export(engine, "jsonl", tmp_path / "all.jsonl")
    report = export(engine, "conll", tmp_path / "all.conll")
    assert jsonl.spans == report.spans == total > 200
    assert alignment_skips(report) == []
    overlaps = [s for s in report.skipped if s.reason.startswith("overlaps")]
    assert report.skipped_total == len(report.skipped) == len(overlaps)  # nothing else
    records = spans_of_jsonl(tmp_path / "all.jsonl")
    compounds = [
        s
        for r in records
        for s in r["spans"]  # type: ignore[attr-defined]
        if r["text"][s["end"] : s["end"] + 1] == "-"  # type: ignore[index]
        or r["text"][s["start"] - 1 : s["start"]] == "-"  # type: ignore[index]
    ]
    assert len(compounds) >= 9  # "Rusia-Kazakhstan" and the like: each name is written
    # Read back with a strict IOB2 reader and the project's reader: every span not reported.
    conll = (tmp_path / "all.conll").read_text(encoding="utf-8")
    entities = read_iob(conll)
    back = [item.doc for item in read_conll(tmp_path / "all.conll") if isinstance(item, ReadDoc)]
    assert len(entities) == len(back) == len(records)
    written = sum(len(doc) for doc in entities)
    assert written == sum(len(doc.spans) for doc in back) == total - len(overlaps)
    reported = {(s.article, s.start, s.end) for s in report.skipped}
    for record, doc in zip(records, back, strict=True):
        expected = [
            " ".join(t.text for t in tokenize(s["text"]))  # type: ignore[index]
            for s in sorted(record["spans"], key=lambda s: (s["start"], -s["end"]))  # type: ignore
            if (record["id"], s["start"], s["end"]) not in reported  # type: ignore[index]
        ]
        assert [" ".join(t.text for t in tokenize(s.text)) for s in doc.spans] == expected


def test_the_sample_corpus_all_accepted_exports_every_span_in_a_docbin(
    all_accepted: tuple[Engine, int], tmp_path: Path
) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    engine, total = all_accepted
    report = export(engine, "spacy", tmp_path / "all.spacy")
    export(engine, "jsonl", tmp_path / "all.jsonl")
    assert alignment_skips(report) == []
    docs = list(DocBin().from_disk(tmp_path / "all.spacy").get_docs(spacy.blank("xx").vocab))
    records = spans_of_jsonl(tmp_path / "all.jsonl")
    strict = 0
    for made, record in zip(docs, records, strict=True):
        assert made.text == record["text"]
        for span in record["spans"]:  # type: ignore[attr-defined]
            assert made.char_span(span["start"], span["end"], alignment_mode="strict")
            strict += 1
    assert strict == total
    assert sum(len(d.ents) for d in docs) == total - report.skipped_total
    assert {s.reason.split(" ")[0] for s in report.skipped} <= {"overlaps"}


def test_the_sample_corpus_all_accepted_jsonl_token_indices_agree_with_the_offsets(
    all_accepted: tuple[Engine, int], tmp_path: Path
) -> None:
    engine, total = all_accepted
    report = export(engine, "jsonl", tmp_path / "all.jsonl")
    assert report.skipped_total == 0
    checked = 0
    for record in spans_of_jsonl(tmp_path / "all.jsonl"):
        tokens, text = record["tokens"], record["text"]
        for token in tokens:  # type: ignore[attr-defined]
            assert text[token["start"] : token["end"]] == token["text"]  # type: ignore[index]
            assert token["text"] and not any(c.isspace() for c in token["text"])
        for span in record["spans"]:  # type: ignore[attr-defined]
            assert tokens[span["token_start"]]["start"] == span["start"]  # type: ignore[index]
            assert tokens[span["token_end"]]["end"] == span["end"]  # type: ignore[index]
            checked += 1
    assert checked == total


def test_hyphen_compounds_clitics_and_reduplication_are_tokenised_as_spacy_does() -> None:
    text = "Rusia-Kazakhstan, S-300 dan Su-57E; Uber’s U.S. Kompas.com Jum'at berhati-hati."
    assert [t.text for t in tokenize(text)] == [
        "Rusia",
        "-",
        "Kazakhstan",
        ",",
        "S-300",
        "dan",
        "Su-57E",
        ";",
        "Uber",
        "’s",
        "U.S",
        ".",
        "Kompas.com",
        "Jum'at",
        "berhati-hati",
        ".",
    ]


def test_a_span_inside_a_token_cuts_it_and_the_pieces_are_tokenised_alone(
    tmp_path: Path,
) -> None:
    text = "Kunjungan ke Kompas.com dan negara-negara NATO."
    doc = make_doc(text, [(13, 19, "ORG"), (28, 34, "MISC")])  # "Kompas", the first "negara"
    assert [t.text for t in document_tokens(doc)] == [
        "Kunjungan",
        "ke",
        "Kompas",
        ".",
        "com",
        "dan",
        "negara",
        "-",
        "negara",
        "NATO",
        ".",
    ]
    conll, skipped = run_writer(write_conll, [doc], tmp_path)
    assert skipped == []
    assert "Kompas -X- -X- B-ORG\n. -X- -X- O\ncom -X- -X- O\n" in conll
    record = json.loads(doc_line(doc))
    assert [(s["token_start"], s["token_end"]) for s in record["spans"]] == [(2, 2), (6, 6)]
    assert document_offsets(text, []) == token_offsets(text)  # no span: telaah's tokens


def test_a_span_starting_or_ending_with_whitespace_is_the_only_one_reported(
    tmp_path: Path,
) -> None:
    doc = make_doc("Rusia dan Belarus", [(5, 9, "X"), (0, 3, "GPE"), (3, 13, "GPE")])
    assert unalignable(doc.text, 5, 9) == "starts or ends with whitespace"
    assert unalignable(doc.text, 3, 3) == "empty or outside the text"
    _conll, skipped = run_writer(write_conll, [doc], tmp_path)
    assert [(s.text, s.reason) for s in skipped] == [(" dan", "starts or ends with whitespace")]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=documents())
def test_random_texts_and_spans_nothing_is_skipped_for_alignment(
    doc: ExportDoc, tmp_path: Path
) -> None:
    text = doc.text
    tokens = document_tokens(doc)
    assert all(t.text == text[t.start : t.end] and t.text.strip() == t.text != "" for t in tokens)
    starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
    for span in doc.spans:  # the strategy trims whitespace: every span can be aligned
        assert unalignable(text, span.start, span.end) is None
        assert span.start in starts and span.end in ends
    # Tokens that cut nothing are telaah's own; a token, alone, tokenises to itself.
    assert set(token_offsets(text)) - {(t.start, t.end) for t in tokens} <= {
        offsets
        for offsets in token_offsets(text)
        if any(offsets[0] < p < offsets[1] for s in doc.spans for p in (s.start, s.end))
    }
    assert all([t.text for t in tokenize(token.text)] == [token.text] for token in tokens)
    _conll, skipped = run_writer(write_conll, [doc], tmp_path)
    assert [s for s in skipped if s.reason in ALIGNMENT] == []
    jsonl, _ = run_writer(write_jsonl, [doc], tmp_path)
    record = json.loads(jsonl)
    for span in record["spans"]:
        assert record["tokens"][span["token_start"]]["start"] == span["start"]
        assert record["tokens"][span["token_end"]]["end"] == span["end"]
