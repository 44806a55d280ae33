"""An article keeps the tokens it arrived with: CoNLL tokens and their POS/chunk columns,
Prodigy's `tokens`; every export writes them (cut only where a span boundary falls inside one).
Real files in, `telaah import`'s loader, the export pipeline (which reads its output back), the
files out compared with what came in.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from store.export.model import (
    ArrivalTokens,
    ExportContext,
    ExportDoc,
    ExportSpan,
    document_offsets,
)
from store.export.selection import Selection
from store.export.writer import run_export
from store.formats.conll import conll_document, write_conll
from store.formats.registry import get_format
from store.models import Article, ArticleTokens, Mention
from store.schema import Schema
from tests.store.test_import_annotated import run, write_lines

# The opening of CoNLL-2003's eng.train (https://www.clips.uantwerpen.be/conll2003/ner/), its
# tags in IOB2, and a second document with a token that holds brackets, as Indonesian news
# corpora keep "(PKS)" whole.
CONLL_2003 = """\
-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O
to TO B-VP O
boycott VB I-VP O
British JJ B-NP B-MISC
lamb NN I-NP O
. . O O

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER

BRUSSELS NNP B-NP B-LOC
1996-08-22 CD I-NP O

-DOCSTART- -X- -X- O

Partai NNP B-NP B-ORG
Keadilan NNP I-NP I-ORG
Sejahtera NNP I-NP I-ORG
(PKS) NNP I-NP B-ORG
menolak VB B-VP O
. . O O

"""


def export(engine: Engine, fmt: str, out: Path) -> Path:
    """Export every done article in `fmt`; the export verifies itself and skips nothing."""
    report = run_export(engine, fmt=get_format(fmt), out=out, selection=Selection())
    assert report.skipped_total == 0, report.skipped
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    assert manifest["verified"] is True, manifest
    return out


def test_conll_2003_round_trips_with_its_tokens_columns_and_tags(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    source = tmp_path / "eng.train"
    source.write_text(CONLL_2003, encoding="utf-8")
    report = run(engine, "conll", source, reviewer_id)
    assert (report.articles_created, report.mentions, report.failed) == (2, 7, 0), report.problems
    stored = session.execute(select(ArticleTokens).order_by(ArticleTokens.article_id)).scalars()
    first = next(iter(stored))
    assert first.source == "conll"
    assert first.columns["pos"][:3] == ["NNP", "VBZ", "JJ"]
    assert first.columns["chunk"][:3] == ["B-NP", "B-VP", "B-NP"]
    article = session.get(Article, first.article_id)
    assert article is not None
    pairs = list(zip(first.offsets[::2], first.offsets[1::2], strict=True))
    assert [article.text[s:e] for s, e in pairs][:4] == ["EU", "rejects", "German", "call"]

    out = export(engine, "conll", tmp_path / "out.conll")
    assert out.read_text(encoding="utf-8") == CONLL_2003  # tokens, POS, chunk, tags: the same


def test_a_span_inside_an_arrival_token_cuts_it_and_each_piece_keeps_its_columns(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    source = tmp_path / "berita.conll"
    source.write_text(
        "-DOCSTART- -X- -X- O\n\nLatihan NN B-NP O\nRusia-Kazakhstan NNP I-NP O\n. . O O\n\n",
        encoding="utf-8",
    )
    run(engine, "conll", source, reviewer_id)
    article = session.execute(select(Article)).scalar_one()
    assert article.text == "Latihan Rusia-Kazakhstan ."
    for start, end in ((8, 13), (14, 24)):  # Rusia, Kazakhstan: accepted by a reviewer
        session.add(
            Mention(
                article_id=article.id,
                start=start,
                end=end,
                text=article.text[start:end],
                label="GPE",
                state="accepted",
                origin="manual",
                reviewer_id=reviewer_id,
            )
        )
    session.commit()

    out = export(engine, "conll", tmp_path / "out.conll")
    assert out.read_text(encoding="utf-8").splitlines()[2:] == [
        "Latihan NN B-NP O",
        "Rusia NNP I-NP B-GPE",
        "- NNP I-NP O",
        "Kazakhstan NNP I-NP B-GPE",
        ". . O O",
        "",
    ]
    record = json.loads(export(engine, "jsonl", tmp_path / "out.jsonl").read_text("utf-8"))
    assert [t["text"] for t in record["tokens"]] == ["Latihan", "Rusia", "-", "Kazakhstan", "."]
    assert [(s["token_start"], s["token_end"]) for s in record["spans"]] == [(1, 1), (3, 3)]


def test_conll_tokens_holding_spaces_are_written_whole_in_a_tab_separated_document(
    engine: Engine, reviewer_id: int, tmp_path: Path
) -> None:
    tabbed = "-DOCSTART- -X- -X- O\n\nMakan\tO\nes krim\tB-FNB\ndi\tO\nBogor\tB-PLACE\n\n"
    spaced = "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nmenolak VB B-VP O\n\n"
    source = tmp_path / "campur.conll"
    source.write_text(spaced + tabbed, encoding="utf-8")
    report = run(engine, "conll", source, reviewer_id)
    assert (report.articles_created, report.mentions, report.failed) == (2, 3, 0), report.problems

    out = export(engine, "conll", tmp_path / "out.conll")
    # Two columns in, CoNLL-2003's four out: POS and chunk unknown.
    assert out.read_text(encoding="utf-8") == spaced + tabbed.replace("\t", "\t-X-\t-X-\t")

    spacy = load_spacy()
    from spacy.tokens import DocBin

    made = DocBin().from_disk(export(engine, "spacy", tmp_path / "out.spacy"))
    docs = list(made.get_docs(spacy.blank("xx").vocab))
    assert [t.text for t in docs[1]] == ["Makan", "es krim", "di", "Bogor"]
    assert [(e.text, e.label_) for e in docs[1].ents] == [("es krim", "FNB"), ("Bogor", "PLACE")]


def test_iob1_input_comes_out_iob2_with_the_same_tokens_and_columns(
    engine: Engine, reviewer_id: int, tmp_path: Path
) -> None:
    iob1 = CONLL_2003
    for label in ("ORG", "MISC", "PER", "LOC"):  # IOB1: I- begins a name, B- only after one
        iob1 = iob1.replace(f" B-{label}", f" I-{label}")
    iob1 = iob1.replace("(PKS) NNP I-NP I-ORG", "(PKS) NNP I-NP B-ORG")
    assert iob1.count(" B-") == iob1.count(" B-NP") + iob1.count(" B-VP") + 1
    source = tmp_path / "eng.iob1"
    source.write_text(iob1, encoding="utf-8")
    run(engine, "conll", source, reviewer_id)
    out = export(engine, "conll", tmp_path / "out.conll")
    assert out.read_text(encoding="utf-8") == CONLL_2003


# Prodigy's ner_manual answers carry spaCy's tokens: "Uber’s" is `Uber` + `’s`, "U.S." one
# token, a paragraph break a whitespace token of its own (as spaCy's English tokenizer gives).
PRODIGY_TEXT = "Uber’s chief met U.S. officials in\n\nJakarta (PKS)."
PRODIGY_TOKENS = [
    ("Uber", 0, 4, False),
    ("’s", 4, 6, True),
    ("chief", 7, 12, True),
    ("met", 13, 16, True),
    ("U.S.", 17, 21, True),
    ("officials", 22, 31, True),
    ("in", 32, 34, False),
    ("\n\n", 34, 36, False),
    ("Jakarta", 36, 43, True),
    ("(", 44, 45, False),
    ("PKS", 45, 48, False),
    (")", 48, 49, False),
    (".", 49, 50, False),
]


def prodigy_line(**changes: Any) -> dict[str, Any]:
    tokens = [
        {"text": text, "start": start, "end": end, "id": i, "ws": ws}
        for i, (text, start, end, ws) in enumerate(PRODIGY_TOKENS)
    ]
    record = {
        "text": PRODIGY_TEXT,
        "meta": {"source": "headlines"},
        "_input_hash": 1,
        "_task_hash": 2,
        "tokens": tokens,
        "spans": [
            {"start": 0, "end": 4, "label": "ORG", "token_start": 0, "token_end": 0},
            {"start": 17, "end": 21, "label": "GPE", "token_start": 4, "token_end": 4},
            {"start": 36, "end": 43, "label": "GPE", "token_start": 8, "token_end": 8},
            {"start": 45, "end": 48, "label": "ORG", "token_start": 10, "token_end": 10},
        ],
        "answer": "accept",
    }
    record.update(changes)
    return record


def test_prodigy_tokens_are_kept_and_every_export_writes_them(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    source = write_lines(tmp_path / "ner_manual.jsonl", [prodigy_line()])
    report = run(engine, "jsonl", source, reviewer_id)
    assert (report.mentions, report.failed, report.not_stored) == (4, 0, {}), report.problems
    row = session.execute(select(ArticleTokens)).scalar_one()
    assert (row.source, row.columns) == ("jsonl", {})
    assert row.offsets == [x for _t, start, end, _ws in PRODIGY_TOKENS for x in (start, end)]

    record = json.loads(export(engine, "jsonl", tmp_path / "out.jsonl").read_text("utf-8"))
    assert [(t["text"], t["start"], t["end"], t["ws"]) for t in record["tokens"]] == (
        PRODIGY_TOKENS
    )
    assert [(s["token_start"], s["token_end"]) for s in record["spans"]] == [
        (s["token_start"], s["token_end"]) for s in prodigy_line()["spans"]
    ]

    written = export(engine, "conll", tmp_path / "out.conll").read_text("utf-8").splitlines()
    assert [line.split()[0] for line in written[2:] if line] == [
        text for text, *_ in PRODIGY_TOKENS if text.strip()
    ]
    assert "Uber -X- -X- B-ORG" in written and "U.S. -X- -X- B-GPE" in written


def load_spacy() -> Any:
    """spaCy; the test is skipped without it, except in CI (which installs the dev extra)."""
    if os.environ.get("CI"):
        import spacy

        return spacy
    return pytest.importorskip("spacy")


def test_prodigy_tokens_become_the_spacy_docbin_tokens(
    engine: Engine, reviewer_id: int, tmp_path: Path
) -> None:
    spacy = load_spacy()
    from spacy.tokens import DocBin

    run(engine, "jsonl", write_lines(tmp_path / "a.jsonl", [prodigy_line()]), reviewer_id)
    out = export(engine, "spacy", tmp_path / "out.spacy")
    (made,) = DocBin().from_disk(out).get_docs(spacy.blank("xx").vocab)
    assert made.text == PRODIGY_TEXT
    assert [(t.text, t.idx, bool(t.whitespace_)) for t in made] == [
        (text, start, ws) for text, start, _end, ws in PRODIGY_TOKENS
    ]
    assert [(e.text, e.label_) for e in made.ents] == [
        ("Uber", "ORG"),
        ("U.S.", "GPE"),
        ("Jakarta", "GPE"),
        ("PKS", "ORG"),
    ]


def test_tokens_that_do_not_fit_the_text_are_noted_and_the_line_still_imports(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    wrong = prodigy_line()
    wrong["tokens"][2] = {"text": "chef", "start": 7, "end": 12, "id": 2, "ws": True}
    gap = prodigy_line(text=PRODIGY_TEXT + " Lagi")  # "Lagi" is in no token
    overlap = prodigy_line(text=PRODIGY_TEXT + "!")
    overlap["tokens"][3] = {"text": "f met", "start": 11, "end": 16}
    source = write_lines(tmp_path / "bad.jsonl", [wrong, gap, overlap])
    report = run(engine, "jsonl", source, reviewer_id)
    assert (report.articles_created, report.mentions, report.failed) == (3, 12, 0)
    assert report.not_stored == {"token list": 3}
    assert report.summary.endswith("; not stored: 3 token lists")
    assert [n.split(": ", 1)[0] for n in report.notes] == [f"{source}:{n}" for n in (1, 2, 3)]
    assert "token 2 says 'chef' but the text at 7-12 is 'chief'" in report.notes[0]
    assert "'Lagi' after the last token is in no token" in report.notes[1]
    assert "token 3 at 11-16 overlaps or precedes the one before" in report.notes[2]
    assert session.execute(select(ArticleTokens)).first() is None
    assert [m.text for m in session.execute(select(Mention)).scalars()][:2] == ["Uber", "U.S."]

    strict = run(engine, "jsonl", source, reviewer_id, strict=True)
    assert strict.failed == 3


def test_tokens_follow_the_text_into_its_stored_form(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    text = "Rusia\r\nmemasok S-300."  # CRLF: stored with LF, the later offsets one less
    tokens = [(0, 5), (5, 7), (7, 14), (15, 20), (20, 21)]
    line = {
        "text": text,
        "tokens": [{"text": text[s:e], "start": s, "end": e} for s, e in tokens],
        "spans": [{"start": 15, "end": 20, "label": "WEAPON"}],
    }
    run(engine, "jsonl", write_lines(tmp_path / "crlf.jsonl", [line]), reviewer_id)
    article = session.execute(select(Article)).scalar_one()
    assert article.text == "Rusia\nmemasok S-300."
    row = session.execute(select(ArticleTokens)).scalar_one()
    assert row.offsets == [0, 5, 5, 6, 6, 13, 14, 19, 19, 20]

    record = json.loads(export(engine, "jsonl", tmp_path / "out.jsonl").read_text("utf-8"))
    assert [t["text"] for t in record["tokens"]] == ["Rusia", "\n", "memasok", "S-300", "."]
    assert [(t["ws"]) for t in record["tokens"]] == [False, False, True, False, False]


def test_a_document_without_arrival_tokens_is_written_with_telaahs_tokens(
    tmp_path: Path,
) -> None:
    text = "Latihan Rusia-Kazakhstan (PKS)."
    span = ExportSpan(id=1, start=8, end=13, text="Rusia", label="GPE")
    plain = ExportDoc(id=1, external_id="a", title="", text=text, spans=(span,))
    lines, skipped = conll_document(plain)
    assert skipped == []
    assert [line.split()[0] for line in lines[2:] if line] == [
        "Latihan",
        "Rusia",
        "-",
        "Kazakhstan",
        "(",
        "PKS",
        ")",
        ".",
    ]
    # The same article with arrival tokens: theirs, cut only at the span.
    arrived = ArrivalTokens("conll", ((0, 7), (8, 24), (25, 31)), {"pos": ("NN", "NNP", "X")})
    path = tmp_path / "out.conll"
    write_conll([ExportDoc(1, "a", "", text, spans=(span,), tokens=arrived)], path, context())
    assert path.read_text(encoding="utf-8").splitlines()[2:] == [
        "Latihan NN -X- O",
        "Rusia NNP -X- B-GPE",
        "-Kazakhstan NNP -X- O",
        "(PKS). X -X- O",
        "",
    ]


def context() -> ExportContext:
    return ExportContext(Schema())


def test_conll_lines_of_different_widths_keep_tokens_and_tags_and_say_so(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    source = tmp_path / "lebar.conll"
    source.write_text("Jokowi NNP B-PER\nberkunjung. O\n\n", encoding="utf-8")
    report = run(engine, "conll", source, reviewer_id)
    assert (report.mentions, report.failed, report.not_stored) == (1, 0, {"token column": 1})
    assert report.notes == [
        f"{source}:1: its lines have different numbers of columns: only tokens and tags are kept"
    ]
    row = session.execute(select(ArticleTokens)).scalar_one()
    assert (row.offsets, row.columns) == ([0, 6, 7, 18], {})  # telaah's would cut off "."


def test_tokens_that_normalising_would_cut_are_dropped_with_a_note(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    text = "Cafe\u0301 Jakarta"  # NFC makes e + combining acute one character
    line = {
        "text": text,
        "tokens": [
            {"text": t, "start": s, "end": e}
            for t, s, e in (("Cafe", 0, 4), ("\u0301", 4, 5), ("Jakarta", 6, 13))
        ],
        "spans": [{"start": 6, "end": 13, "label": "GPE"}],
    }
    source = write_lines(tmp_path / "nfc.jsonl", [line])
    report = run(engine, "jsonl", source, reviewer_id)
    assert (report.mentions, report.failed) == (1, 0), report.problems
    assert report.notes == [
        f"{source}:1: its tokens are not kept: normalising the text (NFC, LF line endings) "
        "would move a token boundary"
    ]
    assert session.execute(select(ArticleTokens)).first() is None
    assert session.execute(select(Article)).scalar_one().text == "Café Jakarta"


def test_telaahs_own_tokens_are_not_stored_again(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    text = "Latihan Rusia-Kazakhstan di Almaty."
    spans = [ExportSpan(id=1, start=8, end=13, text="Rusia", label="GPE")]
    tokens = document_offsets(text, spans)  # as telaah's JSONL export writes them
    line = {
        "text": text,
        "tokens": [{"text": text[s:e], "start": s, "end": e} for s, e in tokens],
        "spans": [{"start": 8, "end": 13, "label": "GPE"}],
    }
    report = run(engine, "jsonl", write_lines(tmp_path / "own.jsonl", [line]), reviewer_id)
    assert (report.mentions, report.failed, report.notes) == (1, 0, [])
    assert session.execute(select(ArticleTokens)).first() is None  # the export makes them again
    record = json.loads(export(engine, "jsonl", tmp_path / "out.jsonl").read_text("utf-8"))
    assert [(t["start"], t["end"]) for t in record["tokens"]] == tokens
