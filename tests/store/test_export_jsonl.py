"""JSONL export: lossless lines, exact offsets, consistent tokens, atomic writing, manifest."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from store.db import session_scope
from store.errors import TelaahError
from store.export.model import (
    ExportContext,
    ExportDoc,
    ExportFact,
    ExportSpan,
    tokenize,
)
from store.export.selection import Selection, iter_docs
from store.export.writer import manifest_path, run_export
from store.formats import registry
from store.formats.jsonl import doc_line, doc_record, token_range, write_jsonl
from store.formats.registry import Format
from store.models import Article, Mention
from tests.golden.corpus import golden_corpus

JSONL = registry.get_format("jsonl")


@pytest.fixture
def golden(engine: Engine) -> Engine:
    golden_corpus(engine)
    return engine


def lines(path: Path) -> list[dict[str, Any]]:
    raw = path.read_bytes().decode("utf-8")
    assert raw.endswith("\n") and "\r" not in raw
    return [json.loads(line) for line in raw.split("\n")[:-1]]


def check_record(record: dict[str, Any]) -> None:
    """Every invariant of one exported line."""
    text = record["text"]
    tokens = record["tokens"]
    for i, token in enumerate(tokens):
        assert token["id"] == i
        assert text[token["start"] : token["end"]] == token["text"]
        assert token["text"] and not any(c.isspace() for c in token["text"])
        assert token["ws"] == (token["end"] < len(text) and text[token["end"]].isspace())
    for i, span in enumerate(record["spans"]):
        assert span["id"] == i
        assert text[span["start"] : span["end"]] == span["text"]
        first, last = tokens[span["token_start"]], tokens[span["token_end"]]
        assert span["token_start"] <= span["token_end"]
        assert first["start"] == span["start"] and last["end"] == span["end"]  # tokens cut
    for fact in record["facts"]:
        for ids in fact["roles"].values():
            assert all(0 <= i < len(record["spans"]) for i in ids)
        if fact["evidence"]:
            ev = fact["evidence"]
            assert text[ev["start"] : ev["end"]] == ev["text"]
    assert record["answer"] == "accept"


def test_golden_corpus_exports_exact_lines(golden: Engine, tmp_path: Path) -> None:
    out = tmp_path / "gold.jsonl"
    report = run_export(golden, fmt=JSONL, out=out, selection=Selection())
    records = lines(out)
    assert len(records) == report.articles == 4
    assert sum(len(r["spans"]) for r in records) == report.spans
    assert sum(len(r["facts"]) for r in records) == report.facts > 0
    for record in records:
        check_record(record)
    with session_scope(golden) as session:
        article = session.execute(select(Article).order_by(Article.id)).scalars().first()
        assert article is not None
        assert records[0]["id"] == article.external_id and records[0]["text"] == article.text
    span = records[0]["spans"][0]
    assert set(span) >= {
        "kb_id",
        "entity_name",
        "state",
        "origin",
        "matched_alias",
        "score",
        "reviewer",
        "decided_at",
    }
    assert span["decided_at"] == "2024-03-01T09:30:00.123456Z"
    assert span["reviewer"] == "golden"


def test_manifest_counts_selection_and_schema(golden: Engine, tmp_path: Path) -> None:
    out = tmp_path / "gold.jsonl"
    report = run_export(
        golden,
        fmt=JSONL,
        out=out,
        selection=Selection(labels=("GPE",)),
        now=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    manifest = json.loads(manifest_path(out, folder=False).read_text(encoding="utf-8"))
    assert manifest_path(out, folder=False).name == "gold.jsonl.manifest.json"
    assert manifest["format"] == "jsonl" and manifest["created"] == "2025-01-02T03:04:05Z"
    assert manifest["telaah"] and manifest["output"] == "gold.jsonl"
    assert manifest["selection"]["labels"] == ["GPE"]
    assert manifest["counts"]["spans"] == report.spans
    assert manifest["counts"]["labels"] == {"GPE": {"accepted": report.spans}}
    assert manifest["counts"]["states"] == {"accepted": report.spans}
    assert (
        manifest["skipped"]["total"]
        == report.skipped_total
        == len(manifest["skipped"]["items"])
        > 0
    )
    assert {i["kind"] for i in manifest["skipped"]["items"]} == {"fact"}
    assert [label["name"] for label in manifest["schema"]["labels"]][:3] == ["PERSON", "ORG", "GPE"]


def add_article(session: Session, text: str, spans: Iterable[tuple[str, str]]) -> int:
    """An article marked done, with accepted spans at each occurrence of the given surfaces."""
    article = Article(
        external_id=f"x{abs(hash(text))}",
        title="t",
        text=text,
        sha256=f"{abs(hash(text)):064x}",
        status="done",
    )
    session.add(article)
    session.flush()
    assert article.id is not None
    for surface, label in spans:
        start = text.index(surface)
        session.add(
            Mention(
                article_id=article.id,
                start=start,
                end=start + len(surface),
                text=surface,
                label=label,
                state="accepted",
                origin="manual",
            )
        )
    session.commit()
    return article.id


def test_emoji_combining_marks_and_line_separators(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    text = (
        "👩‍👩‍👧 Rusia 🇷🇺 memasok S-300 ke Kirgizstan.\u2028Café\u0301 di Moskva 😀!\n"
        "Tab\there «Bishkek»"
    )
    add_article(
        session,
        text,
        [
            ("Rusia", "GPE"),
            ("S-300", "WEAPON"),
            ("Kirgizstan", "GPE"),
            ("Café\u0301", "ORG"),
            ("Moskva", "GPE"),
            ("Bishkek", "GPE"),
            ("Rusia 🇷🇺 memasok", "ORG"),
        ],
    )
    out = tmp_path / "x.jsonl"
    run_export(engine, fmt=JSONL, out=out, selection=Selection())
    raw = out.read_text(encoding="utf-8")
    assert "\u2028" not in raw and raw.count("\n") == 1
    (record,) = lines(out)
    assert record["text"] == text
    check_record(record)
    by_text = {s["text"]: s for s in record["spans"]}
    assert by_text["Café\u0301"]["start"] == text.index("Café")
    tokens = record["tokens"]
    wide = by_text["Rusia 🇷🇺 memasok"]
    assert [t["text"] for t in tokens[wide["token_start"] : wide["token_end"] + 1]] == [
        "Rusia",
        "🇷🇺",
        "memasok",
    ]


def test_token_range_of_aligned_and_unaligned_spans() -> None:
    tokens = tokenize("Rusia-Belarus dan S-300PS.")  # Rusia - Belarus dan S-300PS .
    starts, ends = [t.start for t in tokens], [t.end for t in tokens]
    assert token_range(starts, ends, 0, 13) == (0, 2)
    assert token_range(starts, ends, 0, 5) == (0, 0)
    assert token_range(starts, ends, 18, 21) == (4, 4)  # inside one token: that token
    assert token_range(starts, ends, 18, 26) == (4, 5)  # "S-300PS." covers two tokens
    assert token_range(starts, ends, 13, 17) == (3, 3)  # " dan": the tokens covering it


def test_doc_line_is_one_line_of_json() -> None:
    doc = ExportDoc(
        id=1,
        external_id="a",
        title="t",
        text="A\u2029B\u0085C",
        spans=(ExportSpan(id=7, start=0, end=1, text="A", label="GPE"),),
    )
    line = doc_line(doc)
    assert line.endswith("\n") and len(line.splitlines()) == 1
    assert json.loads(line)["text"] == doc.text


def test_failed_export_leaves_no_output_and_keeps_the_previous_one(
    golden: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "gold.jsonl"
    run_export(golden, fmt=JSONL, out=out, selection=Selection())
    before = out.read_bytes(), manifest_path(out, False).read_bytes()

    def broken(docs: Iterable[ExportDoc], path: Path, context: ExportContext) -> None:
        def two_then_fail() -> Iterable[ExportDoc]:
            for number, doc in enumerate(docs):
                if number == 2:
                    raise RuntimeError("disk on fire")
                yield doc

        write_jsonl(two_then_fail(), path, context)

    with pytest.raises(RuntimeError, match="disk on fire"):
        run_export(golden, fmt=Format("jsonl", broken), out=out, selection=Selection())
    assert (out.read_bytes(), manifest_path(out, False).read_bytes()) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_failed_first_export_leaves_nothing(
    golden: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "new.jsonl"
    calls = 0
    real = json.dumps

    def flaky(*args: Any, **kwargs: Any) -> str:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr("store.formats.jsonl.json.dumps", flaky)
    with pytest.raises(TelaahError, match="cannot write .*new.jsonl: No space left"):
        run_export(golden, fmt=JSONL, out=out, selection=Selection())
    assert not out.exists() and not manifest_path(out, False).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_unwritable_targets_are_one_line_errors(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(TelaahError, match="does not exist"):
        run_export(engine, fmt=JSONL, out=tmp_path / "no" / "x.jsonl", selection=Selection())
    with pytest.raises(TelaahError, match="is a folder"):
        run_export(engine, fmt=JSONL, out=tmp_path, selection=Selection())


def test_every_exported_article_is_counted(golden: Engine, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    report = run_export(
        golden, fmt=JSONL, out=out, selection=Selection(articles="all", state="all")
    )
    with session_scope(golden) as session:
        total = session.execute(select(func.count()).select_from(Mention)).scalar()
    assert report.spans == total == sum(len(r["spans"]) for r in lines(out))


def test_fast_line_equals_the_record_dumped(golden: Engine) -> None:
    text = 'Rusia "memasok" S-300\\x ke 😀 Kirgizstan\tdan\nCafé\u0301 «Bishkek» \u00a0.'
    doc = ExportDoc(
        id=1,
        external_id='a"b',
        title="t\n",
        text=text,
        meta={"k": ["v", 1]},
        spans=(
            ExportSpan(
                id=3,
                start=0,
                end=5,
                text="Rusia",
                label="GPE",
                decided_at=datetime(2024, 1, 2, tzinfo=UTC),
            ),
            ExportSpan(
                id=4,
                start=7,
                end=14,
                text="memasok",
                label="ORG",
                entity_key='K"1',
                entity_name="Ké\\",
                score=87.5,
                matched_alias="memasok",
                reviewer="r",
            ),
        ),
        facts=(
            ExportFact(
                id=9, type="T", state="pending", roles={"a": [4, 3]}, evidence=(0, 5), note="n"
            ),
        ),
    )
    docs = [doc]
    with session_scope(golden) as session:
        docs += iter_docs(session=session, selection=Selection(articles="all", state="all"))
    for one in docs:
        expected = json.dumps(doc_record(one), ensure_ascii=False, separators=(",", ":"))
        assert doc_line(one) == expected + "\n"


def test_parallel_parts_equal_one_process(
    golden: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    selection = Selection(articles="all", state="all", labels=("GPE", "ORG", "WEAPON"))
    serial = run_export(golden, fmt=JSONL, out=tmp_path / "one.jsonl", selection=selection)
    monkeypatch.setattr("store.export.writer.PARALLEL_MIN", 1)
    monkeypatch.setattr("store.export.parallel.PARTS_PER_WORKER", 2)
    progress: list[int] = []
    parallel = run_export(
        golden,
        fmt=JSONL,
        out=tmp_path / "two.jsonl",
        selection=selection,
        workers=2,
        on_progress=progress.append,
    )
    assert len(progress) > 1 and sum(progress) == 5  # several parts, every article once
    assert (tmp_path / "two.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    manifests = [
        json.loads(manifest_path(tmp_path / name, False).read_text(encoding="utf-8"))
        for name in ("one.jsonl", "two.jsonl")
    ]
    for manifest in manifests:
        del manifest["created"], manifest["output"]
    assert manifests[0] == manifests[1] and manifests[0]["skipped"]["total"] > 0
    assert (parallel.articles, parallel.spans, parallel.skipped_total) == (
        serial.articles,
        serial.spans,
        serial.skipped_total,
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_failed_parallel_export_leaves_nothing(
    golden: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("store.export.writer.PARALLEL_MIN", 1)

    def full(*_args: Any, **_kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("store.export.parallel._join", full)  # joining the parts
    out = tmp_path / "par.jsonl"
    with pytest.raises(TelaahError, match="No space left"):
        run_export(golden, fmt=JSONL, out=out, selection=Selection(articles="all"), workers=2)
    assert not out.exists() and not manifest_path(out, False).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


_TEXT = st.lists(
    st.one_of(
        st.sampled_from(list("abc XYZ-.'’\t\n\r\"\\«»")),
        st.sampled_from(
            [
                "😀",
                "👩‍👩‍👧",
                "🇷🇺",
                "e\u0301",
                "\u0301",
                "\ufe0f",
                "\u2028",
                "\u0085",
                "\u00a0",
                "\u200d",
            ]
        ),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=60,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(text=_TEXT, data=st.data())
def test_any_text_and_spans_give_a_valid_line(text: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.sets(st.integers(0, len(text)), max_size=8)))
    spans = tuple(
        ExportSpan(
            id=10 + i,
            start=a,
            end=b,
            text=text[a:b],
            label="GPE",
            entity_key=data.draw(st.none() | st.text(max_size=3)),
        )
        for i, (a, b) in enumerate(zip(cuts[::2], cuts[1::2], strict=False))
        if a < b
    )
    doc = ExportDoc(id=1, external_id="x", title="t", text=text, spans=spans)
    line = doc_line(doc)
    assert line.endswith("\n") and len(line.splitlines()) == 1
    record = json.loads(line)
    assert record == doc_record(doc)
    # Mentions never start or end with whitespace (no token can cover it): check those.
    trimmed = [s for s in record["spans"] if s["text"] and s["text"] == s["text"].strip()]
    check_record({**record, "spans": [{**s, "id": i} for i, s in enumerate(trimmed)]})
