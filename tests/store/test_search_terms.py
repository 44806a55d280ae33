"""Longer prefixes (issue 17): `meng*` is searched as the OR of the terms it starts, listed from
`article_fts_terms` (migration 0011), which every indexing, edit and upgrade keeps complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, insert, text
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from store.corpus import search
from store.corpus.articles import list_articles
from store.corpus.search import (
    articles_with_terms,
    index_new_articles,
    prefix_terms,
    search_from,
    search_matches,
    variant_terms,
)
from store.db import make_engine, open_database
from store.export.selection import Selection, article_ids
from store.migrate import alembic_config
from store.models import Article
from tests.matching_ids import matching_ids
from tests.statements import Sent, statements_sent
from tests.store.test_search_prefix import rows

TEXTS = {
    1: "Menteri pertahanan menggunakan sistem baru.",
    2: "Rusia mengirim tank ke perbatasan.",
    3: "Kunjungan dari Kirgistan dan Rusia.",
}


def stored_and_indexed(engine: Engine, texts: dict[int, str]) -> None:
    """Articles of `texts` (id: text) stored and indexed."""
    with engine.begin() as connection:
        connection.execute(insert(Article.__table__), rows(texts))  # type: ignore[attr-defined]
    index_new_articles(engine)


def found(session: Session, query: str) -> list[int]:
    return [row.id for row in list_articles(session=session, search=query)]


def match(session: Session, query: str) -> str:
    """The MATCH expression the listing sends for `query`."""
    condition = search_from(session, Article.__table__, query).condition  # type: ignore[attr-defined]
    return str(condition.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


@pytest.mark.sqlite_only("FTS5's term list (PostgreSQL searches a prefix through its GIN index)")
def test_a_longer_prefix_is_the_or_of_its_terms_kept_up_to_date(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    with engine.begin() as connection:
        connection.execute(insert(Article.__table__), rows(TEXTS))  # type: ignore[attr-defined]
    index_new_articles(engine)
    assert prefix_terms(session, "meng") == ["menggunakan", "mengirim"]
    assert '("menggunakan" OR "mengirim") AND "rusia"' in match(session, "meng* rusia")
    assert '"men"*' in match(session, "men*")  # the prefix index's length: FTS5's own
    assert found(session, "meng*") == [1, 2]
    assert found(session, "meng* rusia") == [2]
    assert found(session, "mengz*") == []

    # An edit adds its terms (a trigger), a new article its own (the next indexing).
    session.execute(text("UPDATE article SET text = 'Warga mengungsi dari Rusia.' WHERE id = 3"))
    session.commit()
    with engine.begin() as connection:
        more = rows({4: "Tentara mengawal konvoi."})
        connection.execute(insert(Article.__table__), more)  # type: ignore[attr-defined]
    index_new_articles(engine)
    assert prefix_terms(session, "meng") == ["mengawal", "menggunakan", "mengirim", "mengungsi"]
    assert found(session, "meng*") == [1, 2, 3, 4]
    assert found(session, "mengu*") == [3]

    # An export's selection searches the same way (`telaah export --search`).
    exported = search_matches(Article.id, "meng* rusia", session)
    compiled = exported.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    assert '("mengawal" OR "menggunakan" OR "mengirim" OR "mengungsi") AND "rusia"' in str(compiled)
    every = Selection(articles="all", search="meng* rusia")
    assert article_ids(session=session, selection=every) == [2, 3]

    # Past MAX_PREFIX_TERMS the prefix is left to FTS5, which finds the same.
    monkeypatch.setattr(search, "MAX_PREFIX_TERMS", 2)
    assert prefix_terms(session, "meng") is None
    assert '"meng"*' in match(session, "meng*")
    assert found(session, "meng*") == [1, 2, 3, 4]
    assert article_ids(session=session, selection=every) == [2, 3]


@pytest.mark.sqlite_only("a SQLite file indexed at revision 0010")
def test_an_indexed_database_upgrades_to_the_term_list(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0010")
    with engine.begin() as connection:
        connection.execute(insert(Article.__table__), rows(TEXTS))  # type: ignore[attr-defined]
    index_new_articles(engine)
    engine.dispose()

    upgraded = open_database(url)
    try:
        with Session(upgraded) as session:
            assert prefix_terms(session, "meng") == ["menggunakan", "mengirim"]
            assert prefix_terms(session, "kirg") == ["kirgistan"]
            assert found(session, "meng*") == [1, 2]
        command.downgrade(alembic_config(upgraded), "0010")
        with Session(upgraded) as session:
            assert prefix_terms(session, "meng") is None
            assert matching_ids(session, "meng*") == [1, 2]
    finally:
        upgraded.dispose()


def test_a_short_alias_term_reaches_its_token_not_every_word_it_starts(
    engine: Engine, session: Session
) -> None:
    """Re-matching after an alias is added: a term under `MIN_PREFIX` letters (`AS`) is
    searched as the token (no index serves `as*`, and it would reach most articles)."""
    texts = {1: "Presiden AS tiba.", 2: "Asal usul bahasa.", 3: "Kunjungan ke AS-nya."}
    stored_and_indexed(engine, texts)
    assert articles_with_terms(session, {"as"}) == {1, 3}
    assert articles_with_terms(session, {"asa"}) == {2}  # a prefix from MIN_PREFIX letters
    assert articles_with_terms(session, {"as", "bahas"}) == {1, 2, 3}


def test_an_alias_s_variants_are_found_in_the_term_list(engine: Engine, session: Session) -> None:
    """Re-matching an added alias looks its misspellings up among the index's terms (on
    SQLite the term list of migration 0011: FTS5's own vocabulary reads every entry)."""
    texts = {1: "Kunjungan dari Kirgistan.", 2: "Presiden Kirgizstannya tiba.", 3: "Kota Kiev."}
    stored_and_indexed(engine, texts)
    assert variant_terms(session, ["Kirgizstan"]) == {"kirgizstan", "kirgistan"}
    # The clitic form (2) by the prefix of the alias itself.
    assert articles_with_terms(session, variant_terms(session, ["Kirgizstan"])) == {1, 2}


def test_many_aliases_read_the_vocabulary_once_per_first_letter(
    engine: Engine, session: Session
) -> None:
    """A gazetteer import's added aliases (thousands) are looked up together: the variants
    of each, as alone, from one read of the vocabulary per first letter (a statement per
    alias took most of a gazetteer import, more as the corpus grows)."""
    texts = {
        1: "Kunjungan dari Kirgistan dan Kazakstan.",
        2: "Presiden Kirgizstannya tiba di Jakartaa.",
        3: "Kota Kiev, Jakarta, Surabaya dan Surbaya.",
        4: "Menteri Kazakhstan bertemu warga Surabayaa.",
    }
    stored_and_indexed(engine, texts)
    aliases = ["Kirgizstan", "Kazakhstan", "Jakarta", "Surabaya", "Kota Surabaya", "S-300", "Kyiv"]
    alone = [variant_terms(session, [alias]) for alias in aliases]
    assert "kirgistan" in alone[0] and "kazakstan" in alone[1]
    assert {"surbaya", "surabayaa"} <= alone[3] and "jakartaa" in alone[2]
    with statements_sent(engine) as sent:
        together = variant_terms(session, aliases)
    reads = [s for s in sent if "_vocab" in s.statement]
    assert together == set().union(*alone)
    assert len(reads) == 3  # k, j, s: the first letters of the terms of 5 letters or more


def test_terms_in_half_the_articles_reach_them_all_on_postgresql(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The articles an added alias's variants reach: in a big corpus (here 4 articles are
    "big"), when one of them alone is in half the articles or more (the vocabulary's
    counts), every article, without the OR of their prefixes through the index (minutes at
    1M for a gazetteer import's thousands of variants); otherwise exactly those holding
    them."""
    monkeypatch.setattr(search, "ALL_REACHED_FROM", 4)
    texts = {
        1: "Warga Bandung hadir.",
        2: "Warga Jakarta hadir.",
        3: "Pejabat Surabaya datang.",
        4: "Pejabat Medan datang.",
    }
    stored_and_indexed(engine, texts)
    with statements_sent(engine) as sent:
        assert articles_with_terms(session, {"bandung", "surabaya"}) == {1, 3}
        assert len(searched(sent)) == 1
        reached = articles_with_terms(session, {"bandung", "warga"})  # `warga`: 2 of 4
    if engine.dialect.name == "postgresql":
        assert reached == {1, 2, 3, 4} and len(searched(sent)) == 1  # all, not searched
    else:
        assert reached == {1, 2} and len(searched(sent)) == 2


def searched(sent: list[Sent]) -> list[str]:
    """The full-text searches among statements sent."""
    return [s.statement for s in sent if "@@" in s.statement or "MATCH" in s.statement]
