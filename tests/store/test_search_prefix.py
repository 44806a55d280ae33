"""Prefix search: the index keeps three-character prefixes (migration 0010: FTS5's `prefix='3'`),
an existing database upgrades to it and still finds what it found, and a prefix shorter than
the index's (`MIN_PREFIX`) is refused with one line instead of merging every term it starts."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, insert
from sqlmodel import Session

from store.corpus.articles import count_listing, list_articles
from store.corpus.search import MIN_PREFIX, index_new_articles, search_problem
from store.db import make_engine, open_database
from store.errors import TelaahError
from store.export.selection import Selection, count_docs
from store.migrate import alembic_config, current_revision, head_revision
from store.models import Article
from tests.matching_ids import matching_ids

TEXTS = {
    1: "Menteri pertahanan Kyrgyzstan bertemu di Moskwa.",
    2: "Memberikan sistem S-300 kepada Kazakhstan.",
    3: "Menerima kunjungan dari Kirgistan dan Rusia.",
}


def rows(texts: dict[int, str]) -> list[dict[str, object]]:
    now = datetime.now(UTC)
    return [
        {
            "id": n,
            "external_id": f"a{n}",
            "title": f"Artikel {n}",
            "text": body,
            "sha256": f"{n:064x}",
            "status": "todo",
            "meta": {},
            "created_at": now,
            "updated_at": now,
        }
        for n, body in texts.items()
    ]


def found(session: Session, query: str) -> list[int]:
    return [row.id for row in list_articles(session=session, search=query)]


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        ("mem*", None),
        ("kyrgyz*", None),
        ("di", None),  # a short word, not a prefix
        ('"di moskwa"', None),
        ("me*", "me*"),
        ("m*", "m*"),
        ("kyrgyzstan me*", "me*"),
        ("s-3*", "3*"),  # the prefix is the last token of the word
        ("Mé*", "me*"),  # counted as the index has it: diacritics removed
    ],
)
def test_a_prefix_needs_min_prefix_letters(query: str, refused: str | None) -> None:
    problem = search_problem(query)
    if refused is None:
        assert problem is None
    else:
        assert problem is not None and f"at least {MIN_PREFIX} letters" in problem
        assert f": {refused} " in problem


def test_the_listing_and_the_export_refuse_a_short_prefix_and_find_longer_ones(
    engine: Engine, session: Session
) -> None:
    with engine.begin() as connection:
        connection.execute(insert(Article.__table__), rows(TEXTS))  # type: ignore[attr-defined]
    index_new_articles(engine)
    assert found(session, "mem*") == [2]
    assert found(session, "men*") == [1, 3]
    assert found(session, "kyrgyz*") == [1]
    with pytest.raises(TelaahError, match="at least 3 letters"):
        count_listing(session=session, search="me*")
    with pytest.raises(TelaahError, match="at least 3 letters"):
        list_articles(session=session, search="m*")
    with pytest.raises(TelaahError, match="at least 3 letters"):
        count_docs(session=session, selection=Selection(articles="all", state="all", search="ke*"))


def _fts_sql(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        (sql,) = connection.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'article_fts'"
        ).fetchone()
    return str(sql)


@pytest.mark.sqlite_only("FTS5's prefix option, a SQLite file filled at revision 0009")
def test_an_indexed_database_upgrades_to_the_prefix_index(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0009")
    with engine.begin() as connection:
        connection.execute(insert(Article.__table__), rows(TEXTS))  # type: ignore[attr-defined]
    index_new_articles(engine)
    engine.dispose()
    assert "prefix" not in _fts_sql(path)

    upgraded = open_database(url)  # what telaah does with an older file
    try:
        assert current_revision(upgraded) == head_revision()
        # The prefix index the queries rely on: as long as the shortest prefix accepted.
        assert re.search(rf"prefix='{MIN_PREFIX}'", _fts_sql(path))
        assert "rebuilding the search index" not in capfd.readouterr().err  # 3 articles
        with Session(upgraded) as session:
            assert found(session, "men*") == [1, 3]
            assert found(session, "kirg*") == [3]
            assert found(session, '"sistem s 300"') == [2]
        with upgraded.begin() as connection:
            indexed = connection.exec_driver_sql("SELECT count(*) FROM article_fts_docsize")
            assert indexed.scalar_one() == len(TEXTS)
            vocab = connection.exec_driver_sql(
                "SELECT term, doc FROM article_fts_vocab WHERE term >= 'kyr' AND term < 'kys'"
            )
            assert vocab.all() == [("kyrgyzstan", 1)]
            # The triggers of migration 0002 came back: an edit and a delete reach the index.
            connection.exec_driver_sql("UPDATE article SET text = 'Mengirim tank.' WHERE id = 2")
            connection.exec_driver_sql("DELETE FROM article WHERE id = 3")
        with Session(upgraded) as session:
            assert found(session, "mem*") == []
            assert found(session, "meng*") == [2]
            assert found(session, "men*") == [1, 2]
            assert found(session, "kirg*") == []
    finally:
        upgraded.dispose()
    with sqlite3.connect(path) as connection:
        assert (
            connection.execute(
                "INSERT INTO article_fts(article_fts, rank) VALUES ('integrity-check', 0)"
            ).fetchall()
            == []
        )

    engine = make_engine(url)
    try:
        command.downgrade(alembic_config(engine), "0009")
        assert "prefix" not in _fts_sql(path)
        with Session(engine) as session:
            assert matching_ids(session, "men*") == [1, 2]
    finally:
        engine.dispose()


@pytest.mark.sqlite_only("the line a big SQLite upgrade prints before its rebuild")
def test_a_big_rebuild_says_so_first(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'big.db'}"
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0009")
    with engine.begin() as connection:
        connection.execute(
            insert(Article.__table__),  # type: ignore[attr-defined]
            rows({n: f"Kata {n}." for n in range(1, 20_001)}),
        )
    engine.dispose()
    capfd.readouterr()
    open_database(url).dispose()
    err = capfd.readouterr().err
    assert "rebuilding the search index of 20,000 articles" in err
    with Session(make_engine(url)) as session:
        assert count_listing(session=session, search="kat*").value == 10_000


def test_the_command_line_refuses_a_short_prefix_in_one_line(cli_db: str, tmp_path: Path) -> None:
    from tests.cli.test_cli import run

    out = tmp_path / "gold.jsonl"
    refused = run(
        "--db", cli_db, "export", "--articles", "all", "--search", "me*", "--out", str(out)
    )
    assert refused.returncode != 0
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "a prefix needs at least 3 letters" in lines[0], refused.stderr
    assert not out.exists()
    assert (
        run(
            "--db", cli_db, "export", "--articles", "all", "--search", "mem*", "--out", str(out)
        ).returncode
        == 0
    )
