"""The search index's tokens (`fts_tokens`) are the terms SQLite's FTS5 index holds, so a word
of an article is found by it on both databases: marks left after NFC, underscores, `ß`,
emoji, scripts other than Latin."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, text
from sqlmodel import Session

from store.corpus.articles import list_articles
from store.corpus.index_tokens import fts_tokens
from store.corpus.search import articles_for_aliases, index_new_articles
from store.migrate import alembic_config
from store.models import Article
from tests.store.test_search_prefix import rows

# White space of every kind, word characters, marks, joiners, emoji, markup-like text.
PIECES = st.sampled_from(
    [" ", "\t", "\n", "\x0b", "\x1c", "\x85", "\xa0", "\u2028", "\u3000", "\u200b", "\u00ad"]
    + ["_", "-", ".", ",", "“", "”", "'", "’", "\\", "[bold]", "\x1b[31m", "\U0001f914", "\u0301"]
    + ["Jakarta", "JAKARTA", "Erdoğan", "Zürich", "Москва", "東京", "２０２４", "²", "½", "ς"]
    + ["S-300", "e-mail", "ke\u200dtiga", "a" * 70, "İstanbul", "ß", "ﬁ", "Sẹ̀nẹ̀gàl", "Z̧aby"]
)


@pytest.fixture(scope="module")
def fts5() -> sqlite3.Connection:
    """An FTS5 table tokenised as telaah's `article_fts` (migration 0002), in the SQLite the
    `sqlite3` module opens (the one that makes a SQLite database's index)."""
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE f USING fts5(t, tokenize='unicode61 remove_diacritics 2')"
    )
    connection.execute("CREATE VIRTUAL TABLE f_instance USING fts5vocab(f, instance)")
    return connection


def index_terms(connection: sqlite3.Connection, value: str) -> list[str]:
    """The terms FTS5 stores for `value`, in their order in it."""
    connection.execute("DELETE FROM f")
    connection.execute("INSERT INTO f(rowid, t) VALUES (1, ?)", (value,))
    return [term for (term,) in connection.execute("SELECT term FROM f_instance ORDER BY offset")]


@settings(max_examples=300, deadline=None)
@given(value=st.lists(PIECES, max_size=40).map("".join))
def test_the_tokens_are_the_terms_sqlite_indexes(fts5: sqlite3.Connection, value: str) -> None:
    assert fts_tokens(value) == index_terms(fts5, value)


def test_words_the_pattern_split_or_folded_are_one_term_as_in_fts5() -> None:
    assert fts_tokens("Sẹ̀nẹ̀gàl Timor_Leste Groß 🤔") == ["senegal", "timor", "leste", "groß", "🤔"]


TEXTS = {
    1: "Delegasi Sẹ̀nẹ̀gàl tiba di Jakarta.",
    2: "Dili, Timor_Leste: pemilu berjalan damai.",
    3: "Wali kota Groß Gerau dan Zürich 🤔 bertemu.",
    4: "Berita lain tanpa nama itu.",
}


@pytest.fixture
def indexed(engine: Engine) -> Engine:
    with engine.begin() as connection:
        connection.execute(insert(Article.__table__), rows(TEXTS))  # type: ignore[attr-defined]
    index_new_articles(engine)
    return engine


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("senegal", [1]),
        ("Sẹ̀nẹ̀gàl", [1]),
        ("timor", [2]),
        ("leste", [2]),
        ("Timor_Leste", [2]),
        ('"timor leste"', [2]),
        ("groß", [3]),
        ("GROß gerau", [3]),
        ("🤔", [3]),
        ("zurich", [3]),
        ("sene*", [1]),
    ],
)
def test_a_word_of_an_article_finds_it_on_either_database(
    indexed: Engine, session: Session, query: str, expected: list[int]
) -> None:
    assert [row.id for row in list_articles(session=session, search=query)] == expected


def test_an_alias_with_such_words_reaches_its_articles(indexed: Engine, session: Session) -> None:
    # (the articles a new alias is matched in: `Timor_Leste` was one term, `timorleste`)
    assert articles_for_aliases(session, ["Timor_Leste"]) == {2}
    assert articles_for_aliases(session, ["Sẹ̀nẹ̀gàl", "Groß Gerau"]) == {1, 3}


def test_the_postgresql_vocabulary_counts_fts5s_terms(indexed: Engine, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL's own vocabulary (SQLite's is FTS5's)")
    with indexed.connect() as connection:
        held = dict(connection.execute(text("SELECT term, doc FROM article_fts_vocab")).all())
    assert held["senegal"] == held["timor"] == held["groß"] == held["🤔"] == 1
    assert "gross" not in held and "timorleste" not in held and "se" not in held


def index_rows(engine: Engine) -> tuple[list[tuple[int, str]], dict[str, int]]:
    with engine.connect() as connection:
        docs = [tuple(row) for row in connection.execute(
            text("SELECT id, doc::text FROM article_fts ORDER BY id")
        )]  # fmt: skip
        vocab = dict(connection.execute(text("SELECT term, doc FROM article_fts_vocab")).all())
    return docs, vocab  # type: ignore[return-value]


def test_an_upgrade_makes_the_patterns_vectors_again(indexed: Engine, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL's vectors (SQLite's index is FTS5's own: nothing to remake)")
    made = index_rows(indexed)
    command.downgrade(alembic_config(indexed), "0014")  # the vectors the pattern made
    docs, vocab = index_rows(indexed)
    assert docs != made[0] and vocab["gross"] == vocab["se"] == vocab["timorleste"] == 1
    assert "senegal" not in vocab and "🤔" not in vocab
    assert docs[3] == made[0][3]  # (an article of ASCII words only is left alone)
    command.upgrade(alembic_config(indexed), "head")
    assert index_rows(indexed) == made


def test_threads_tokenise_at_once() -> None:
    # (an import's reading thread and the screen's workers: a tokenizer each)
    texts = [f"Berita {i}: Sẹ̀nẹ̀gàl, Timor_Leste dan Groß {i * 7} 🤔 " * 20 for i in range(40)]
    alone = [fts_tokens(value) for value in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(5):
            assert list(pool.map(fts_tokens, texts)) == alone
