"""PostgreSQL itself: migrations on an empty database, its full-text search, its errors.

Run with `--backend postgresql` (a server from `.ci/pg.sh start`); on SQLite the tests that
need the server are skipped, saying so. The rest of the suite runs on both backends.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

from store.corpus.articles import count_articles, list_articles
from store.corpus.search import articles_for_aliases, tsvector
from store.db import make_engine, open_database, session_scope
from store.dberrors import describe
from store.migrate import alembic_config, current_revision, head_revision, include_object
from tests.conftest import PG_URL_VAR, _pg_admin


@pytest.fixture
def server(backend: str) -> str:
    """The PostgreSQL server's URL (the tests that need one are skipped on SQLite)."""
    if backend != "postgresql":
        pytest.skip("needs a PostgreSQL server: run with --backend postgresql")
    return os.environ[PG_URL_VAR]


@pytest.fixture
def empty_url(server: str, worker_id: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (not the suite's migrated template)."""
    name = f"telaah_empty_{worker_id}_{os.getpid()}"
    admin = _pg_admin(server)
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.execute(f"CREATE DATABASE {name}")
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def _functions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(
            connection.execute(
                text(
                    "SELECT proname FROM pg_proc JOIN pg_namespace n ON n.oid = pronamespace "
                    "WHERE nspname = 'public'"
                )
            ).scalars()
        )


def test_upgrade_head_on_an_empty_database_gives_the_models_schema(empty_url: str) -> None:
    engine = open_database(empty_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_object}
            )
            assert compare_metadata(context, SQLModel.metadata) == []
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        assert {"article_fts", "article_fts_vocab"} <= tables  # the search index
        assert {"factargument_gone", "audit_log_append_only"} <= _functions(engine)
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        config = alembic_config(engine)
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        assert _functions(engine) == set()
        command.upgrade(config, "head")
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def _article(session: Session, title: str, body: str) -> None:
    from store.ingest.sink import article_row, text_hash
    from store.models import Article

    row = article_row(
        external_id=title, title=title, text=body, sha256=text_hash(body), status="todo"
    )
    session.execute(insert(Article), [row])


def test_search_uses_postgresql_full_text_search(server: str, engine: Engine) -> None:
    from store.corpus.search import index_new_articles

    with session_scope(engine) as session:
        _article(session, "Satu", "Presiden Türkiye bertemu Sadyr Zhaparov di Bişkek.")
        _article(session, "Dua", "Zhaparov, Sadyr: pertemuan di Moskow tentang S-300.")
        session.commit()
    assert index_new_articles(engine) == 2
    assert index_new_articles(engine) == 0  # only what is not indexed yet
    with session_scope(engine) as session:

        def found(query: str) -> set[str]:
            return {r.title or "" for r in list_articles(session=session, search=query)}

        assert found('"Sadyr Zhaparov"') == {"Satu"}  # a phrase: in this order, adjacent
        assert found("Sadyr Zhaparov") == {"Satu", "Dua"}  # words: ANDed
        assert found("turkiye") == {"Satu"}  # case and diacritics
        assert found("Mosk*") == {"Dua"}  # a prefix
        assert found("s300") == set() and found("S-300") == {"Dua"}
        assert found('"dua zhaparov"') == set()  # no phrase from the title into the text
        for odd in ('"', "a | (b", "!x", "'", "\\", "*", "-", ":*"):
            count_articles(session=session, search=odd)  # never a tsquery syntax error
        # What re-matching asks: which articles hold a term (or one starting with it).
        assert articles_for_aliases(session, ["Zhaparov"]) == {1, 2}
        assert articles_for_aliases(session, ["Bishkek"]) == {1}  # a variant of the term
        index = session.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_article_fts_doc'")
        ).scalar_one()
        assert "USING gin (doc)" in index


def test_a_huge_text_keeps_its_words_in_a_bounded_vector() -> None:
    words = [f"w{i}" for i in range(300_000)]
    literal = tsvector(["judul"], words)
    assert len(literal.encode()) < 1_000_000 and "'judul'" in literal
    small = tsvector(["a", "b"], ["a"])
    assert small == "'a':1,4 'b':2"  # a gap of one position between title and text


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _error_of(url: str) -> Any:
    engine = make_engine(url)
    try:
        with engine.connect():
            pass
    except Exception as error:  # noqa: BLE001 (the error is the result)
        return error
    finally:
        engine.dispose()
    raise AssertionError("connected")


def test_an_unreachable_server_is_one_line() -> None:
    pytest.importorskip("psycopg")
    url = f"postgresql+psycopg://ana:secret@127.0.0.1:{_closed_port()}/telaah"
    line = describe(_error_of(url), url)
    assert line is not None and "\n" not in line
    assert line.startswith("cannot reach the PostgreSQL server 127.0.0.1:")
    assert "secret" not in line


def test_a_refused_login_and_a_missing_database_are_one_line(server: str) -> None:
    nobody = make_url(server).set(username="nobody_here").render_as_string(hide_password=False)
    line = describe(_error_of(nobody), nobody)
    assert line is not None and "refused the login of nobody_here" in line
    missing = make_url(server).set(database="no_such_db").render_as_string(hide_password=False)
    line = describe(_error_of(missing), missing)
    assert line is not None and line.startswith("no database no_such_db on the PostgreSQL server")
    assert "createdb no_such_db" in line and "\n" not in line


# Texts whose vectors the server makes from their tokens (ASCII tokens) and some it does not:
# each must give the vector the literal `tsvector` gives (same lexemes, same positions).
VECTOR_CASES = [
    ("Judul Berita", "Presiden Joko Widodo bertemu PM Anwar di Jakarta, 26/2 pukul 10.30."),
    ("", "Tanpa judul: teks saja, angka 000123 dan 1e10 dan 0x1f dan 2nd dan version 1.2.3."),
    ("Title_with_underscore e-mail", "foo_bar e-mail www.example.com user@example.org <b>x</b>"),
    ("Ulang", " ".join(["kata"] * 300 + ["lain"] * 3)),  # a lexeme past 256 positions
    ("Türkiye", "Erdoğan di Ankara; Zürich ist schön. Москва и Киев. 東京 ２０２４ ² ½."),
    ("Panjang", "a" * 2100 + " pendek " + "b" * 500),  # a token too long for a lexeme
    ("Judul", "Baris satu.\n\nBaris dua dengan \U0001f914 emoji dan kata."),
    ("Sẹ̀nẹ̀gàl", "Groß Gerau, Timor_Leste, Aṣọ̀kan: marks left after NFC, ß, underscores."),
]


def test_the_vectors_the_server_makes_are_the_literal_ones(engine: Engine, server: str) -> None:
    from store.corpus.index_tokens import fts_tokens
    from store.corpus.search import _store_vectors, vectors_of
    from store.ingest.sink import article_row, insert_keyed, text_hash

    with engine.begin() as connection:
        stored = [
            article_row(
                external_id=f"v{i}", title=title, text=body, sha256=text_hash(body), status="todo"
            )
            for i, (title, body) in enumerate(VECTOR_CASES)
        ]
        keyed = insert_keyed(connection, stored)
        rows = [(keyed[r["external_id"]], r["title"], r["text"]) for r in stored]
        ids = [row[0] for row in rows]
        _store_vectors(connection, ids, vectors_of([(title, body) for _, title, body in rows]))
        for article_id, title, body in rows:
            literal = tsvector(fts_tokens(title), fts_tokens(body))
            stored, expected = connection.execute(
                text("SELECT doc::text, CAST(:literal AS tsvector)::text FROM article_fts "
                     "WHERE id = :id"),
                {"id": article_id, "literal": literal},
            ).one()  # fmt: skip
            assert stored == expected, (title, body[:40])
        served = connection.execute(
            text("SELECT count(*) FROM article_fts WHERE id = ANY(:ids)"), {"ids": ids}
        ).scalar_one()
        assert served == len(rows)


def test_texts_and_vectors_are_compressed_with_lz4(engine: Engine, server: str) -> None:
    with engine.connect() as connection:
        available = connection.execute(
            text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'"
            )
        ).scalar()
        if not available:
            pytest.skip("this server was built without lz4")
        found = dict(
            connection.execute(
                text(
                    "SELECT c.relname || '.' || a.attname, a.attcompression FROM pg_attribute a "
                    "JOIN pg_class c ON c.oid = a.attrelid WHERE (c.relname, a.attname) IN "
                    "(('article', 'text'), ('article', 'title'), ('article_fts', 'doc'))"
                )
            ).all()
        )
    assert found == {"article.text": "l", "article.title": "l", "article_fts.doc": "l"}


def test_an_import_counts_the_vocabulary_of_the_articles_it_stored(
    engine: Engine, server: str, tmp_path: Any
) -> None:
    """Batches written two at once, with duplicates and bad lines among them (a duplicate's
    terms made, then left out): the vocabulary counts, for every term, the articles whose
    vector holds it, and every article stored is indexed."""
    import json

    from store.ingest.articles import import_articles
    from store.ingest.sink import BATCH

    lines = []
    for i in range(BATCH * 2 + 300):
        if i % 97 == 5:
            lines.append("{not json")
        elif i % 89 == 7:  # the text of the article before: a duplicate
            lines.append(
                json.dumps({"id": f"d{i}", "text": f"kata{i - 1} unik{i - 1} sama Jakarta"})
            )
        else:
            lines.append(json.dumps({"id": f"a{i}", "text": f"kata{i} unik{i} sama Jakarta"}))
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_articles(engine, [path], reviewer_id=None)
    assert report.failed > 0 and report.duplicates > 0
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM article")).scalar_one()
        indexed = connection.execute(text("SELECT count(*) FROM article_fts")).scalar_one()
        vocab = dict(connection.execute(text("SELECT term, doc FROM article_fts_vocab")).all())
        held = dict(
            connection.execute(
                text("SELECT word, ndoc FROM ts_stat('SELECT doc FROM article_fts')")
            ).all()
        )
    assert stored == indexed == report.imported
    assert vocab == held  # (a duplicate's terms, counted twice, would be caught here)
    assert vocab["sama"] == vocab["jakarta"] == stored
