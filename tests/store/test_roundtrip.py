"""Round trips: export -> import into an empty database -> export gives the same bytes.

For every format that can carry the data: the golden corpus through the database, and a
hypothesis property over random texts (emoji, combining marks, tabs, long lines) and random
non-overlapping spans through each writer and reader.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine

from store.corpus.demo import sample_corpus_dir
from store.db import open_database, session_scope
from store.export.model import ExportDoc, document_tokens
from store.export.selection import Selection
from store.export.writer import run_export
from store.formats.conll import read_conll
from store.formats.doccano import read_doccano
from store.formats.jsonl import read_jsonl
from store.formats.reading import ReadDoc
from store.formats.registry import get_format
from store.ingest.annotated import LoadOptions, import_annotated, normalised
from store.reviewers import ensure_reviewer
from store.schema import load_schema, parse_schema
from store.textnorm import normalise_text
from tests.golden.corpus import DECIDED_AT, golden_corpus
from tests.store.export_helpers import documents, run_writer

FILE_FORMATS = ("jsonl", "conll", "doccano")


@pytest.fixture
def golden(engine: Engine) -> Engine:
    """The test database holding the golden corpus."""
    golden_corpus(engine)
    return engine


def export(
    engine: Engine,
    fmt: str,
    out: Path,
    options: dict[str, str] | None = None,
) -> dict[str, bytes]:
    """Run an export; return its output (every file of a folder) by relative name."""
    kind = get_format(fmt)
    out.parent.mkdir(exist_ok=True)
    report = run_export(
        engine, fmt=kind, out=out, selection=Selection(), options=options, now=DECIDED_AT
    )
    assert report.articles == 4
    if not kind.folder:
        return {out.name: out.read_bytes()}
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != "manifest.json"}


def empty_database(path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{path}")
    with session_scope(engine) as session:
        reviewer_id = ensure_reviewer(session=session, name="importer")
        load_schema(
            session=session,
            schema=parse_schema(sample_corpus_dir() / "schema.toml"),
            reviewer_id=reviewer_id,
        )
    yield engine
    engine.dispose()


@pytest.mark.parametrize("fmt", ["jsonl", "conll", "doccano", "brat"])
def test_the_golden_corpus_round_trips_byte_for_byte(
    golden: Engine, tmp_path: Path, fmt: str
) -> None:
    first = export(golden, fmt, tmp_path / "first" / f"out.{fmt}")
    for engine in empty_database(tmp_path / "fresh.db"):
        report = import_annotated(
            engine,
            fmt,
            [tmp_path / "first" / f"out.{fmt}"],
            LoadOptions(reviewer_id=None, create_entities=True),
        )
        assert report.failed == 0, report.problems
        assert report.articles_created == 4
        second = export(engine, fmt, tmp_path / "second" / f"out.{fmt}")
    assert second.keys() == first.keys()
    for name, data in first.items():
        assert second[name] == data, name


def test_doccano_codepoint_offsets_round_trip(golden: Engine, tmp_path: Path) -> None:
    options = {"offsets": "codepoint"}
    first = export(golden, "doccano", tmp_path / "first" / "out.jsonl", options)
    for engine in empty_database(tmp_path / "fresh.db"):
        report = import_annotated(
            engine, "doccano", [tmp_path / "first" / "out.jsonl"], LoadOptions(reviewer_id=None)
        )
        assert report.failed == 0, report.problems
        second = export(engine, "doccano", tmp_path / "second" / "out.jsonl", options)
    assert second == first


def _read(fmt: str, path: Path) -> ExportDoc:
    reader = {"jsonl": read_jsonl, "conll": read_conll, "doccano": read_doccano}[fmt]
    items = list(reader(path))
    docs = [item for item in items if isinstance(item, ReadDoc)]
    assert len(docs) == 1, items
    doc = normalised(docs[0].doc)
    for span in doc.spans:
        assert doc.text[span.start : span.end] == span.text
    return doc


@pytest.mark.parametrize("fmt", FILE_FORMATS)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(doc=documents())
def test_random_texts_and_spans_round_trip(fmt: str, doc: ExportDoc, tmp_path: Path) -> None:
    write = get_format(fmt).write
    first, skipped = run_writer(write, [doc], tmp_path)
    path = tmp_path / f"read.{fmt}"
    path.write_text(first, encoding="utf-8", newline="")
    back = _read(fmt, path)
    if fmt != "conll":  # conll carries tokens, not the text: its text is rebuilt
        assert back.text == doc.text
        assert [(s.start, s.end, s.label) for s in back.spans] == [
            (s.start, s.end, s.label) for s in doc.spans
        ]
    else:  # every span is written, or reported; the written ones come back, tokens spaced
        assert len(back.spans) + len([s for s in skipped if s.kind == "span"]) == len(doc.spans)
        tokens = document_tokens(doc)  # the export's tokens: cut at every span boundary
        assert [s.text for s in back.spans] == [
            " ".join(t.text for t in tokens if s.start <= t.start and t.end <= s.end)
            for s in doc.spans
            if (s.start, s.end) not in {(k.start, k.end) for k in skipped}
        ]
    second, _ = run_writer(write, [back], tmp_path)
    assert second == first


def test_the_property_texts_are_normalised() -> None:
    text = normalise_text("e\u0301")[0]
    assert unicodedata.is_normalized("NFC", text)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=documents())
def test_random_texts_and_spans_round_trip_through_brat(doc: ExportDoc, tmp_path: Path) -> None:
    from store.export.model import ExportContext
    from store.formats.brat import read_brat, write_brat
    from store.schema import Schema

    def write(docs: list[ExportDoc], folder: Path) -> dict[str, bytes]:
        folder.mkdir()
        write_brat(docs, folder, ExportContext(Schema()))
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}

    run = len(list(tmp_path.glob("first*")))
    first = write([doc], tmp_path / f"first{run}")
    items = list(read_brat(tmp_path / f"first{run}" / "doc-1.ann"))
    docs = [item for item in items if isinstance(item, ReadDoc)]
    assert len(docs) == 1, items
    back = normalised(docs[0].doc)
    assert back.text == doc.text  # the .txt holds the exact text
    assert write([back], tmp_path / f"second{run}") == first


def test_everything_round_trips_through_jsonl(golden: Engine, tmp_path: Path) -> None:
    """All articles, pending and rejected spans and facts too: jsonl is lossless."""
    # Imported articles are done: `keep`, so that what was pending in one not done stays so.
    every = Selection(articles="all", state="all", pending_in_done="keep")
    jsonl = get_format("jsonl")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = run_export(golden, fmt=jsonl, out=tmp_path / "a" / "all.jsonl", selection=every)
    assert first.articles == 5 and {"pending", "rejected"} <= {
        state for by_state in first.labels.values() for state in by_state
    }
    for engine in empty_database(tmp_path / "fresh.db"):
        report = import_annotated(
            engine,
            "jsonl",
            [tmp_path / "a" / "all.jsonl"],
            LoadOptions(reviewer_id=None, create_entities=True),
        )
        assert report.failed == 0, report.problems
        run_export(engine, fmt=jsonl, out=tmp_path / "b" / "all.jsonl", selection=every)
    second = (tmp_path / "b" / "all.jsonl").read_bytes()
    assert second == (tmp_path / "a" / "all.jsonl").read_bytes()
