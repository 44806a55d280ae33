"""Import of annotated data: jsonl, conll (IOB1 and IOB2), doccano and brat into the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlmodel import Session

from store.corpus.articles import count_articles
from store.corpus.search import index_new_articles
from store.corpus.stats import corpus_stats
from store.db import open_database, session_scope
from store.errors import TelaahError
from store.gazetteer.entities import create_entity
from store.ingest.annotated import AnnotatedReport, LoadOptions, import_annotated
from store.models import Article, AuditEntry, Entity, Fact, FactArgument, Mention, Reviewer
from tests.statements import statements_sent
from tests.store.export_helpers import EXAMPLE
from tests.store.real_names import load_real_names


def run(engine: Engine, fmt: str, path: Path, reviewer_id: int, **options: Any) -> AnnotatedReport:
    offsets = options.pop("offsets", None)
    return import_annotated(
        engine, fmt, [path], LoadOptions(reviewer_id=reviewer_id, **options), offsets=offsets
    )


def mentions(session: Session) -> list[tuple[int, int, str, str, str, str | None]]:
    rows = session.execute(
        select(Mention, Entity.key)
        .join(Entity, Entity.id == Mention.entity_id, isouter=True)
        .order_by(Mention.article_id, Mention.start)
    ).all()
    return [(m.start, m.end, m.text, m.label, m.state, key) for m, key in rows]


def write_lines(path: Path, records: list[Any]) -> Path:
    path.write_text(
        "".join(
            (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records
        ),
        encoding="utf-8",
    )
    return path


def test_jsonl_spans_become_accepted_import_mentions_and_bad_lines_are_reported(
    engine: Engine, session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    create_entity(session=session, key="RU", name="Rusia", type="GPE", reviewer_id=reviewer_id)
    path = write_lines(
        tmp_path / "gold.jsonl",
        [
            {
                "id": "ex1",
                "text": EXAMPLE,
                "_annotator_id": "ana",
                "spans": [
                    {"start": 0, "end": 5, "label": "GPE", "kb_id": "RU"},
                    {"start": 38, "end": 43, "label": "WEAPON", "kb_id": "S300"},
                    {"start": 47, "end": 57, "label": "GPE", "reviewer": "budi"},
                ],
                "facts": [
                    {
                        "type": "ARMS_TRANSFER",
                        "state": "accepted",
                        "note": "n",
                        "roles": {"supplier": [0], "item": [1], "recipient": [2]},
                        "evidence": {"start": 0, "end": 77},
                    }
                ],
            },
            "{not json",
            {
                "id": "ex2",
                "text": "Kazakhstan membeli Su-57E.",
                "spans": [
                    {"start": 0, "end": 9, "label": "GPE", "text": "Kazakhstan"},
                    {"start": 19, "end": 25, "label": "WEAPON"},
                ],
            },
            {"text": "ditolak", "answer": "reject"},
        ],
    )
    report = run(engine, "jsonl", path, reviewer_id)
    assert report.articles_created == 2 and report.mentions == 4 and report.facts == 1
    assert report.failed == 2, report.problems
    assert any(p.startswith(f"{path}:2: not JSON") for p in report.problems)
    assert any(p.startswith(f"{path}:3: span 0-9 says 'Kazakhstan'") for p in report.problems)
    assert report.unknown_keys == {"S300": 1}
    assert any("answer is 'reject'" in n for n in report.notes)
    rows = session.execute(
        select(Mention, Reviewer.name)
        .join(Reviewer, Reviewer.id == Mention.reviewer_id)
        .order_by(Mention.id)
    ).all()
    assert [(m.text, m.state, m.origin, name) for m, name in rows] == [
        ("Rusia", "accepted", "import", "ana"),
        ("S-300", "accepted", "import", "ana"),
        ("Kirgizstan", "accepted", "import", "budi"),
        ("Su-57E", "accepted", "import", "tester"),
    ]
    assert rows[0][0].entity_id is not None and rows[1][0].entity_id is None
    fact = session.execute(select(Fact)).scalar_one()
    assert (fact.type, fact.state, fact.origin, fact.note, fact.evidence_end) == (
        "ARMS_TRANSFER",
        "accepted",
        "import",
        "n",
        77,
    )
    assert len(session.execute(select(FactArgument)).all()) == 3
    article = session.execute(select(Article).where(Article.external_id == "ex1")).scalar_one()
    assert article.status == "done"
    assert session.execute(
        select(AuditEntry).where(AuditEntry.action == "annotations.import")
    ).all()


def test_create_entities_and_candidates(
    engine: Engine, session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write_lines(
        tmp_path / "gold.jsonl",
        [
            {
                "id": "ex1",
                "text": EXAMPLE,
                "spans": [
                    {
                        "start": 38,
                        "end": 43,
                        "label": "WEAPON",
                        "kb_id": "S300",
                        "entity_name": "S-300 Favorit",
                    }
                ],
            }
        ],
    )
    report = run(engine, "jsonl", path, reviewer_id, create_entities=True, as_candidates=True)
    assert report.entities_created == 1 and report.unknown_keys == {}
    entity = session.execute(select(Entity)).scalar_one()
    assert (entity.key, entity.name, entity.type) == ("S300", "S-300 Favorit", "WEAPON")
    mention = session.execute(select(Mention)).scalar_one()
    assert (mention.state, mention.reviewer_id, mention.decided_at) == ("pending", None, None)
    assert session.execute(select(Article.status)).scalar_one() == "todo"


def test_importing_twice_finds_the_article_and_skips_duplicate_spans(
    engine: Engine, session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    path = write_lines(
        tmp_path / "gold.jsonl",
        [{"id": "ex1", "text": EXAMPLE, "spans": [{"start": 0, "end": 5, "label": "GPE"}]}],
    )
    run(engine, "jsonl", path, reviewer_id)
    again = run(engine, "jsonl", path, reviewer_id)
    assert (again.articles_found, again.duplicates, again.mentions) == (1, 1, 0)
    other = write_lines(tmp_path / "other.jsonl", [{"id": "ex1", "text": "lain", "spans": []}])
    report = run(engine, "jsonl", other, reviewer_id)
    assert report.failed == 1 and "exists with a different text" in report.problems[0]


def test_conll_iob1_and_iob2_documents_rebuilt_with_single_spaces(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    path = tmp_path / "train.conll"
    path.write_text(
        "-DOCSTART- -X- -X- O\n\n"
        "EU NNP B-NP I-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP I-MISC\ncall NN I-NP O\n"
        "Peter NNP B-NP I-PER\nBlackburn NNP I-NP I-PER\n. . O O\n\n"
        "BRUSSELS NNP B-NP I-LOC\n1996-08-22 CD I-NP O\n\n"
        "-DOCSTART- -X- -X- O\n\n"
        "Rusia -X- -X- B-GPE\nmemasok -X- -X- O\nS-300 -X- -X- B-WEAPON\n"
        "Sergei -X- -X- B-PERSON\nShoigu -X- -X- I-PERSON\nShoigu -X- -X- B-PERSON\n"
        "bad -X- -X- X-PERSON\n\n",
        encoding="utf-8",
    )
    report = run(engine, "conll", path, reviewer_id)
    assert report.articles_created == 2
    assert report.problems == [f"{path}:22: tag 'X-PERSON' is not O, B-LABEL or I-LABEL: read as O"]
    texts = session.execute(select(Article.text).order_by(Article.id)).scalars().all()
    assert texts == [
        "EU rejects German call Peter Blackburn .\nBRUSSELS 1996-08-22",
        "Rusia memasok S-300 Sergei Shoigu Shoigu bad",
    ]
    assert [(m[2], m[3]) for m in mentions(session)] == [
        ("EU", "ORG"),
        ("German", "MISC"),
        ("Peter Blackburn", "PER"),
        ("BRUSSELS", "LOC"),
        ("Rusia", "GPE"),
        ("S-300", "WEAPON"),
        ("Sergei Shoigu", "PERSON"),
        ("Shoigu", "PERSON"),
    ]
    meta = session.execute(select(Article.meta).order_by(Article.id)).scalars().first()
    assert meta == {"sentences": [[0, 40], [41, 60]]}


def test_doccano_utf16_offsets_after_emoji(
    engine: Engine, session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    text = "😀 Rusia memasok 👍🏽 S-300 ke Kirgizstan"
    units = text.encode("utf-16-le")

    def offsets(surface: str) -> tuple[int, int]:
        start = units.index(surface.encode("utf-16-le")) // 2
        return start, start + len(surface.encode("utf-16-le")) // 2

    entities = [
        {"id": 10 + i, "start_offset": offsets(s)[0], "end_offset": offsets(s)[1], "label": label}
        for i, (s, label) in enumerate(
            [("Rusia", "GPE"), ("S-300", "WEAPON"), ("Kirgizstan", "GPE")]
        )
    ]
    path = write_lines(
        tmp_path / "doccano.jsonl",
        [
            {
                "id": 7,
                "text": text,
                "entities": entities,
                "relations": [{"id": 1, "from_id": 10, "to_id": 12, "type": "ARMS_TRANSFER"}],
            },
            {"text": text, "label": [[3, 8, "GPE"]]},
            {"text": "😀x", "label": [[1, 2, "GPE"]]},
        ],
    )
    report = run(engine, "doccano", path, reviewer_id)
    assert [m[2] for m in mentions(session)] == ["Rusia", "S-300", "Kirgizstan"]
    assert report.duplicates == 1  # the second line is the same text: same article, same span
    assert report.failed == 1 and "surrogate pair" in report.problems[0]
    roles = dict(
        session.execute(
            select(FactArgument.role, Mention.text).join(
                Mention, Mention.id == FactArgument.mention_id
            )
        ).all()
    )
    assert roles == {"supplier": "Rusia", "recipient": "Kirgizstan"}


def test_labels_fact_types_and_roles_named_as_real_corpora_name_them(
    engine: Engine, session: Session, reviewer_id: int, tmp_path: Path
) -> None:
    load_real_names(session, reviewer_id, tmp_path)
    text = "Budi tewas di Jakarta."
    jsonl = write_lines(
        tmp_path / "gold.jsonl",
        [
            {
                "id": "ace",
                "text": text,
                "spans": [
                    {"start": 0, "end": 4, "label": "PER"},
                    {"start": 5, "end": 10, "label": "Life:Die"},
                    {"start": 14, "end": 21, "label": "GPE"},
                ],
                "facts": [{"type": "Life:Die", "roles": {"Victim": [0], "Place-Arg": [2]}}],
            }
        ],
    )
    conll = tmp_path / "bio.conll"
    conll.write_text(
        "-DOCSTART- -X- -X- O\n\nAmir -X- -X- B-PER\nmentransfer -X- -X- B-Transfer-money\n"
        "uang -X- -X- I-Transfer-money\nmeningkat -X- -X- B-Pos-Reg\nkode -X- -X- B-B.1\n"
        "satu -X- -X- B-1\n\n",
        encoding="utf-8",
    )
    doccano = write_lines(
        tmp_path / "doccano.jsonl",
        [
            {
                "text": "Amir memberi Bandung uang.",
                "entities": [
                    {"id": 4, "start_offset": 0, "end_offset": 4, "label": "PER"},
                    {"id": 5, "start_offset": 13, "end_offset": 20, "label": "GPE"},
                    {"id": 6, "start_offset": 21, "end_offset": 25, "label": 1},
                ],
                "relations": [
                    {"id": 1, "from_id": 4, "to_id": 5, "type": "Transaction:Transfer-Money"}
                ],
            }
        ],
    )
    reports = [
        run(engine, "jsonl", jsonl, reviewer_id),
        run(engine, "conll", conll, reviewer_id),
        run(engine, "doccano", doccano, reviewer_id),
    ]
    assert [(r.failed, r.problems) for r in reports] == [(0, [])] * 3
    assert [(m[2], m[3]) for m in mentions(session)] == [
        ("Budi", "PER"),
        ("tewas", "Life:Die"),
        ("Jakarta", "GPE"),
        ("Amir", "PER"),
        ("mentransfer uang", "Transfer-money"),
        ("meningkat", "Pos-Reg"),
        ("kode", "B.1"),
        ("satu", "1"),
        ("Amir", "PER"),
        ("Bandung", "GPE"),
        ("uang", "1"),
    ]
    facts = session.execute(
        select(Fact.type, FactArgument.role, Mention.text)
        .join(FactArgument, FactArgument.fact_id == Fact.id)
        .join(Mention, Mention.id == FactArgument.mention_id)
        .order_by(Fact.id, FactArgument.id)
    ).all()
    assert [tuple(row) for row in facts] == [
        ("Life:Die", "Victim", "Budi"),
        ("Life:Die", "Place-Arg", "Jakarta"),
        ("Transaction:Transfer-Money", "Giver.1", "Amir"),
        ("Transaction:Transfer-Money", "Recipient:2", "Bandung"),
    ]


def test_brat_spans_links_events_states_and_notes(
    engine: Engine, session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    create_entity(session=session, key="KG", name="Kyrgyzstan", type="GPE", reviewer_id=reviewer_id)
    crlf = "Baris satu.\r\n" + EXAMPLE
    (tmp_path / "doc1.txt").write_bytes(crlf.encode("utf-8"))
    shift = 13  # brat counts CRLF as two characters
    ann = [
        f"T1\tGPE {shift} {shift + 5}\tRusia",
        f"T2\tWEAPON {shift + 38} {shift + 43}\tS-300",
        f"T3\tGPE {shift + 47} {shift + 57}\tKirgizstan",
        f"T4\tARMS_TRANSFER {shift + 6} {shift + 13}\tmemasok",
        f"T5\tGPE {shift} {shift + 4}\tRusX",
        "E1\tARMS_TRANSFER:T4 supplier:T1 item:T2 recipient:T3",
        "A1\tState E1 rejected",
        "N1\tReference T3 telaah:KG\tKyrgyzstan",
        "#1\tAnnotatorNotes E1\tperlu dicek",
        "X1\twhat",
    ]
    (tmp_path / "doc1.ann").write_text("\n".join(ann) + "\n", encoding="utf-8")
    report = run(engine, "brat", tmp_path, reviewer_id)
    assert sorted(report.problems) == sorted(
        [
            f"{tmp_path / 'doc1.ann'}:10: unknown brat annotation 'X1'",
            f"{tmp_path / 'doc1.ann'}:5: span 13-17 says 'RusX' but the text there is 'Rusi'",
        ]
    )
    article = session.execute(select(Article)).scalar_one()
    assert article.text == "Baris satu.\n" + EXAMPLE and article.external_id == "doc1"
    assert [(m[0], m[2], m[5]) for m in mentions(session)] == [
        (12, "Rusia", None),
        (50, "S-300", None),
        (59, "Kirgizstan", "KG"),
    ]
    fact = session.execute(select(Fact)).scalar_one()
    assert (fact.state, fact.note, fact.evidence_start, fact.evidence_end) == (
        "rejected",
        "perlu dicek",
        18,
        25,
    )


def test_the_import_command_takes_format_and_exits_1_when_partial(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    from tests.cli.test_cli import run

    engine.dispose()
    path = tmp_path / "train.conll"
    path.write_text("-DOCSTART- -X- -X- O\n\nRusia B-GPE\nmemasok O\n\n", encoding="utf-8")
    result = run("--db", db_url, "--reviewer", "ana", "import", "--format", "conll", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("articles: 1 new, 0 existing; mentions 1")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"text": "Rusia", "spans": [{"start": 0, "end": 9, "label": "GPE"}]}\n', encoding="utf-8"
    )
    result = run("--db", db_url, "import", "--format", "jsonl", "--as-candidates", str(bad))
    assert result.returncode == 1
    assert f"{bad}:1: span 0-9 is outside the text (0-5)" in result.stderr
    assert "Traceback" not in result.stderr
    result = run("--db", db_url, "import", "--format", "xml", str(bad))
    assert result.returncode == 2 and "choose one of jsonl, conll, doccano, brat" in result.stderr
    with session_scope(open_database(db_url)) as session:
        mention = session.execute(select(Mention)).scalar_one()
        reviewer = session.get(Reviewer, mention.reviewer_id)
        assert reviewer is not None and reviewer.name == "ana"


def test_offsets_follow_the_text_into_its_stored_form() -> None:
    from store.ingest.annotated import normalised
    from tests.store.export_helpers import make_doc

    raw = "Cafe\u0301\r\nRusia\r\ndan Kirgizstan"
    doc = make_doc(raw, [(0, 5, "ORG"), (7, 12, "GPE"), (18, 28, "GPE")])
    stored = normalised(doc)
    assert stored.text == "Café\nRusia\ndan Kirgizstan"
    assert [(s.start, s.end, s.text) for s in stored.spans] == [
        (0, 4, "Café"),
        (5, 10, "Rusia"),
        (15, 25, "Kirgizstan"),
    ]
    cut = make_doc("a\r\nb", [(0, 2, "GPE")])  # ends between CR and LF
    try:
        normalised(cut)
    except TelaahError as exc:
        assert "offsets cannot be kept" in str(exc)
    else:
        raise AssertionError("a span ending inside a CRLF must be refused")


def test_an_import_writes_each_articles_mentions_in_one_statement_with_their_defaults(
    engine: Engine, session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    """Many spans an article: stored with their fields and defaults (a version, the time
    they were made), counted by `telaah stats`, and written in one statement (on PostgreSQL
    a statement per span fired the tally's triggers per span)."""
    words = ["Rusia", "Kazakhstan", "Kirgizstan"] * 20
    text = " ".join(words) + "."
    spans, at = [], 0
    for n, word in enumerate(words):
        state = ("accepted", "rejected", "pending")[n % 3]
        spans.append({"start": at, "end": at + len(word), "label": "GPE", "state": state})
        at += len(word) + 1
    path = write_lines(
        tmp_path / "gold.jsonl",
        [{"id": f"a{i}", "text": f"{i}. {text}", "spans": [
            {**s, "start": s["start"] + len(f"{i}. "), "end": s["end"] + len(f"{i}. ")}
            for s in spans
        ]} for i in range(3)],
    )  # fmt: skip
    with statements_sent(engine) as sent:
        report = run(engine, "jsonl", path, reviewer_id)
    writes = [s.many for s in sent if s.statement.startswith("INSERT INTO mention")]
    assert report.mentions == 180 and report.failed == 0, report.problems
    stored = session.execute(select(Mention).order_by(Mention.id)).scalars().all()
    texts = dict(session.execute(select(Article.id, Article.text)).all())
    assert [(m.text, m.state) for m in stored[:3]] == [
        ("Rusia", "accepted"), ("Kazakhstan", "rejected"), ("Kirgizstan", "pending"),
    ]  # fmt: skip
    for m in stored:
        assert texts[m.article_id][m.start : m.end] == m.text
        assert m.version == 1 and m.created_at is not None and m.origin == "import"
        assert (m.decided_at is None) == (m.state == "pending")
        assert (m.reviewer_id is None) == (m.state == "pending")
    stats = corpus_stats(session=session)
    assert stats.mentions_by_state == {"pending": 60, "accepted": 60, "rejected": 60}
    if engine.dialect.name == "postgresql":  # (COPY: no INSERT seen)
        assert writes == []
    else:
        assert writes == [True, True, True]  # one executemany an article


def test_a_new_article_is_searchable_though_a_higher_id_was_indexed_first(
    engine: Engine, session: Session, reviewer_id: int, schema_loaded: None, tmp_path: Path
) -> None:
    """Two imports at once on PostgreSQL: ids are drawn in one order and committed in
    another, so another import may index ids above this one's articles before it ends. Its
    articles are indexed as they are stored, not at its end "above the highest indexed id"
    (which passed over them). Made certain here by an indexed article of a higher id."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite: one writer at a time, ids in commit order")
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(Article),
            [{"id": 1000, "external_id": "late", "title": "Later", "text": "Kabar lain.",
              "sha256": "0" * 64, "status": "todo", "meta": {}, "created_at": now,
              "updated_at": now}],
        )  # fmt: skip
    assert index_new_articles(engine) == 1
    path = write_lines(
        tmp_path / "gold.jsonl",
        [{"id": f"n{i}", "text": f"Warga Kertaraja {i} hadir.", "spans": []} for i in range(3)],
    )
    report = run(engine, "jsonl", path, reviewer_id)
    assert report.articles_created == 3 and report.failed == 0
    assert count_articles(session=session, search="kertaraja") == 3
    assert count_articles(session=session, search="kabar") == 1
