"""A searched listing: counts past `ESTIMATE_AT` as estimates, keyset pages through the
full-text index (by its rowid), positions and neighbours within the matches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, text
from sqlmodel import Session

from store.corpus import articles as listing
from store.corpus.ahead import IdsAhead
from store.corpus.articles import (
    Count,
    article_position,
    count_articles,
    count_listing,
    last_articles,
    list_articles,
    listing_position,
    neighbour_article,
)
from store.corpus.search import index_new_articles
from store.models import Article
from tests.statements import Sent, statements_sent

N = 90


def common(n: int) -> bool:
    return True


def rare(n: int) -> bool:
    return n % 7 == 0


@contextmanager
def plans_of(engine: Engine, wanted: Callable[[str], bool]) -> Iterator[list[str]]:
    """The `EXPLAIN` of each statement `wanted` picks, as the session runs it (its settings
    in force), collected while the block runs."""
    plans: list[str] = []

    def explain(_conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if wanted(statement):
            cursor.execute("EXPLAIN " + statement, params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))

    event.listen(engine, "before_cursor_execute", explain)
    try:
        yield plans
    finally:
        event.remove(engine, "before_cursor_execute", explain)


@pytest.fixture
def corpus(engine: Engine) -> None:
    """N articles: every one says "umum", one in seven "jarang kali" too; a third done."""
    now = datetime.now(UTC)
    rows = [
        {
            "id": n,
            "external_id": f"a{n}",
            "title": f"Artikel {n}",
            "source": None,
            "url": None,
            "published": None,
            "text": "Kata umum." + (" Kata jarang kali." if rare(n) else ""),
            "sha256": f"{n:064x}",
            "status": "done" if n % 3 == 0 else "todo",
            "meta": {},
            "created_at": now,
            "updated_at": now,
        }
        for n in range(1, N + 1)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Article.__table__), rows)  # type: ignore[attr-defined]
    index_new_articles(engine)


@pytest.mark.usefixtures("corpus")
def test_counts_past_the_cap_are_estimates(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert count_listing(session=session, search="umum", cap=40) == Count(40, exact=False)
    assert str(count_listing(session=session, search="umum", cap=40)) == "40+"
    assert count_listing(session=session, search="umum", cap=N) == Count(N)
    assert count_listing(session=session, search="jarang", cap=40) == Count(N // 7)
    assert count_listing(session=session, search='"jarang kali"', cap=5) == Count(5, False)
    assert count_listing(session=session, search="jar*", cap=40) == Count(N // 7)
    assert count_listing(session=session, search="umum", status="done", cap=40) == Count(30)
    assert count_listing(session=session, search="umum", status="done", cap=20) == Count(
        20, exact=False
    )
    assert count_listing(session=session, search="tiada", cap=40) == Count(0)
    # Without a search the count is exact, whatever the cap.
    assert count_listing(session=session, cap=10) == Count(N)
    assert str(Count(10_000, exact=False)) == "10,000+"
    # The default cap is read when counting (the queue's test lowers it).
    monkeypatch.setattr(listing, "ESTIMATE_AT", 25)
    assert count_listing(session=session, search="umum") == Count(25, exact=False)
    assert listing_position(session=session, article_id=60, search="umum") == Count(25, False)
    assert listing_position(session=session, article_id=20, search="umum") == Count(19)
    assert article_position(session=session, article_id=60, search="umum") == 59  # exact
    assert listing_position(session=session, article_id=60) == Count(59)  # no search: exact


@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("status", [None, "todo"])
@pytest.mark.parametrize(("search", "matches"), [("umum", common), ("jarang", rare)])
def test_keyset_pages_walk_every_match_once(
    session: Session, descending: bool, status: str | None, search: str, matches: object
) -> None:
    assert callable(matches)
    expected = [n for n in range(1, N + 1) if matches(n) and (status is None or n % 3 != 0)]
    if descending:
        expected.reverse()
    args: dict[str, Any] = {"search": search, "status": status, "descending": descending}
    seen: list[int] = []
    after = None
    while True:
        page = list_articles(session=session, limit=4, after=after, **args)
        if not page:
            break
        seen += [row.id for row in page]
        after = page[-1].id
    assert seen == expected
    assert count_articles(session=session, search=search, status=status) == len(expected)
    # Backwards from the end, by `before=`: the same rows.
    back: list[int] = []
    rows = last_articles(session=session, limit=4, **args)
    while rows:
        back = [row.id for row in rows] + back
        rows = list_articles(session=session, limit=4, before=rows[0].id, **args)
    assert back == expected
    # Positions and neighbours within the matches, from an article that is not one of them.
    middle = expected[len(expected) // 2]
    assert article_position(session=session, article_id=middle, **args) == len(expected) // 2
    assert (
        neighbour_article(session=session, article_id=middle, step=1, **args)
        == (expected[len(expected) // 2 + 1])
    )
    outsider = next((n for n in range(1, N + 1) if n not in expected), None)
    if outsider is None:  # every article matches
        return
    assert article_position(session=session, article_id=outsider, **args) is None
    following = neighbour_article(session=session, article_id=outsider, step=1, **args)
    ahead = [n for n in expected if (n < outsider if descending else n > outsider)]
    assert following == (ahead[0] if ahead else None)
    assert neighbour_article(session=session, article_id=10_000, step=1, **args) is None


@pytest.mark.usefixtures("corpus")
def test_other_sorts_still_page_a_search(session: Session) -> None:
    expected = sorted((n for n in range(1, N + 1) if rare(n)), key=lambda n: (f"Artikel {n}", n))
    seen: list[int] = []
    after = None
    while page := list_articles(
        session=session, limit=3, after=after, search="jarang", sort="title"
    ):
        seen += [row.id for row in page]
        after = page[-1].id
    assert seen == expected


@pytest.mark.sqlite_only("SQLite's query plan: FTS5 gives the matches in rowid order")
@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize("status", [None, "todo"])
def test_a_searched_page_is_read_in_the_index_order_not_sorted(
    engine: Engine, session: Session, status: str | None
) -> None:
    """The page of a search reads the full-text index first, in its rowid order, and stops at
    the page's end: no temporary sort of every match, no walk of the article table."""
    executed: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        executed.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        list_articles(session=session, limit=5, after=10, search="umum", status=status)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    statement, params = next((s, p) for s, p in executed if "MATCH" in s)
    plan = [
        row[3]
        for row in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
    ]
    assert plan[0].startswith("SCAN article_fts VIRTUAL TABLE") or any(
        "article_fts VIRTUAL TABLE" in step for step in plan[:2]
    ), plan
    assert not any("TEMP B-TREE" in step and "ORDER BY" in step for step in plan[:4]), plan


@pytest.mark.usefixtures("corpus")
def test_postgresql_counts_a_search_through_the_gin_index(
    engine: Engine, session: Session, backend: str
) -> None:
    """PostgreSQL counts a search's matches from the GIN index's bitmap, never by testing
    each row's vector (its planner takes that for one cheap operator: it reads the vector
    out of TOAST, 30x slower for a common word); without a status, from the vectors' table
    alone; and the planner's settings are back afterwards."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's query plans: run with --backend postgresql")
    session.execute(text("ANALYZE"))

    def wanted(statement: str) -> bool:
        return bool(statement.startswith("SELECT count(*)") and "article_fts" in statement)

    with plans_of(engine, wanted) as plans:
        assert count_listing(session=session, search="umum", cap=N) == Count(N)
        assert count_articles(session=session, search="umum") == N
        assert count_listing(session=session, search="umum", status="done", cap=40) == Count(30)
    assert len(plans) == 3, plans
    for plan in plans:
        assert "Bitmap Index Scan on ix_article_fts_doc" in plan, plan
        assert "Seq Scan" not in plan and "Filter: (doc @@" not in plan, plan
    for alone in plans[:2]:  # without a status: the vectors alone, no article probed
        assert " on article " not in alone and "pk_article" not in alone, alone
    assert session.execute(text("SHOW enable_seqscan")).scalar_one() == "on"
    assert session.execute(text("SHOW enable_indexscan")).scalar_one() == "on"


@pytest.mark.usefixtures("corpus")
def test_postgresql_reads_a_rare_search_through_the_gin_index(
    engine: Engine, session: Session, backend: str
) -> None:
    """PostgreSQL reads a page of a rare search (its rarest word in under `DENSE` of the
    articles, by the vocabulary's counts) from the GIN index's bitmap: walking the vectors in
    id order and testing each took 1.2 s for a word in 653 of 300,000 articles. A common
    search is left to the planner (its page is found in the first rows walked)."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's query plans: run with --backend postgresql")
    from store.corpus.search import sparse_search

    assert sparse_search(session, "42") and sparse_search(session, "tiada")  # 1 and 0 of 90
    assert sparse_search(session, "umum 42") and sparse_search(session, '"artikel 42"')
    assert not sparse_search(session, "umum") and not sparse_search(session, "jarang")  # 1/7
    assert not sparse_search(session, "art*") and not sparse_search(session, "")
    session.execute(text("ANALYZE"))

    def wanted(statement: str) -> bool:
        return bool("ORDER BY article_fts.id" in statement)

    with plans_of(engine, wanted) as plans:
        assert [row.id for row in list_articles(session=session, search="42")] == [42]
    assert len(plans) == 1, plans
    assert "Bitmap Index Scan on ix_article_fts_doc" in plans[0], plans[0]
    assert "Filter: (doc @@" not in plans[0], plans[0]
    assert neighbour_article(session=session, article_id=1, step=1, search="42") == 42
    assert session.execute(text("SHOW enable_seqscan")).scalar_one() == "on"


@pytest.mark.usefixtures("corpus")
def test_postgresql_counts_a_common_phrase_by_walking_its_rows(
    engine: Engine, session: Session, backend: str
) -> None:
    """A phrase's matches are checked on each row's vector (GIN holds no positions): the first
    matches of a common one are counted walking the rows, not through the bitmap of every
    article holding its words (93 ms of the 188 ms at 1M articles); a rare phrase, a word
    and a prefix keep the bitmap."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's query plans: run with --backend postgresql")
    from store.corpus.search import checked_by_row

    assert checked_by_row(session, '"kata umum"') and checked_by_row(session, 'umum "artikel 42"')
    assert not checked_by_row(session, "kata umum") and not checked_by_row(session, "art*")
    session.execute(text("ANALYZE"))

    def wanted(statement: str) -> bool:
        return bool(statement.startswith("SELECT count(*)") and "LIMIT" in statement)

    with plans_of(engine, wanted) as plans:
        assert count_listing(session=session, search='"kata umum"', cap=40) == Count(
            40, exact=False
        )
        assert count_listing(session=session, search='"jarang kali"') == Count(N // 7)
        assert count_listing(session=session, search='"artikel 42"') == Count(1)  # rare
        assert count_listing(session=session, search="jarang", cap=N) == Count(N // 7)
    assert len(plans) == 4, plans
    for walked in plans[:2]:
        assert "Bitmap" not in walked, walked
    for indexed in plans[2:]:
        assert "Bitmap Index Scan on ix_article_fts_doc" in indexed, indexed
    assert session.execute(text("SHOW enable_seqscan")).scalar_one() == "on"


@pytest.mark.usefixtures("corpus")
def test_postgresql_tells_a_common_word_or_prefix_past_the_cap_from_the_vocabulary(
    engine: Engine, session: Session, backend: str
) -> None:
    """A word or a prefix the vocabulary says more articles hold than the cap is "cap+"
    without counting its matches (the bitmap of every match of `meng*` took 133 ms at 1M
    articles); under the cap, a phrase, words ANDed or a status filter are counted."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's vocabulary: run with --backend postgresql")
    from store.corpus.search import held_at_least

    assert held_at_least(session, "umum") == N and held_at_least(session, "jar*") == N // 7
    assert held_at_least(session, "art*") == N  # "artikel", in every title
    for several in ('"kata umum"', "kata umum", "umum jarang*"):
        assert held_at_least(session, several) == 0

    def counting(statement: str) -> bool:
        return bool(statement.startswith("SELECT count(*)") and "article_fts" in statement)

    with plans_of(engine, counting) as counted:
        assert count_listing(session=session, search="umum", cap=40) == Count(40, exact=False)
        assert count_listing(session=session, search="art*", cap=40) == Count(40, exact=False)
    assert counted == []
    with plans_of(engine, counting) as counted:
        assert count_listing(session=session, search="jarang", cap=N) == Count(N // 7)
        assert count_listing(session=session, search="kata umum", cap=40) == Count(40, exact=False)
        assert count_listing(session=session, search="umum", status="done", cap=N) == Count(N // 3)
    assert len(counted) == 3, counted


def _searched(sent: list[Sent]) -> bool:
    """Whether a page's statements looked anything up in the search index."""
    return any("article_fts" in s.statement for s in sent)


@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize(("search", "matches"), [("umum", common), ("jar*", rare)])
def test_pages_read_ahead_are_the_listings_own_without_searching_again(
    engine: Engine,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    descending: bool,
    search: str,
    matches: Callable[[int], bool],
) -> None:
    """The queue's pages of a search through an `IdsAhead`: the rows (counts, statuses) a
    search of each page reads, forward then back; the index looked up for the first page,
    then once every `PAGES` pages and for the end, the pages between read by id alone."""
    monkeypatch.setattr(listing, "PAGES", 10)
    args: dict[str, Any] = {"search": search, "descending": descending}
    ahead = IdsAhead()
    pages: list[list[Any]] = []
    searched: list[int] = []
    after = None
    while True:
        with statements_sent(engine) as sent:
            page = list_articles(session=session, limit=4, after=after, ahead=ahead, **args)
        if _searched(sent):
            searched.append(len(pages))
        if not page:
            break
        assert page == list_articles(session=session, limit=4, after=after, **args)
        pages.append(page)
        after = page[-1].id
    expected = [n for n in range(1, N + 1) if matches(n)]
    assert [row.id for page in pages for row in page] == expected[:: -1 if descending else 1]
    # The first page as before; 40 ids read at once with pages 1, 11, 21...; the end asked.
    assert searched == [0, *range(1, len(pages), 10), len(pages)]
    # An offset from a mark is the listing's own, never the run's (the queue pages by keyset).
    mark = pages[0][-1].id
    skipped = list_articles(session=session, limit=4, after=mark, offset=4, ahead=ahead, **args)
    assert skipped == pages[2]
    # Back from the end, `before=` each page's first row: what a search reads, from the run
    # where it holds the page.
    back = pages[-1]
    for page in reversed(pages[:-1]):
        before = back[0].id
        back = list_articles(session=session, limit=4, before=before, ahead=ahead, **args)
        assert back == page
    # Another listing (the other order, a status) is searched, never served from the run.
    with statements_sent(engine) as sent:
        other = list_articles(session=session, limit=4, ahead=ahead, search=search)
        assert [row.id for row in other] == expected[:4]
        done = list_articles(session=session, limit=4, status="done", ahead=ahead, **args)
        assert all(row.status == "done" for row in done) and done
    assert _searched(sent)


@pytest.mark.usefixtures("corpus")
def test_an_article_gone_from_the_ids_read_ahead_is_read_anew(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead = IdsAhead()
    first = list_articles(session=session, limit=4, search="umum", ahead=ahead)
    assert [row.id for row in first] == [1, 2, 3, 4]
    with engine.begin() as connection:  # (no command deletes an article: a guard)
        connection.execute(text("DELETE FROM article WHERE id IN (5, 6)"))
    page = list_articles(session=session, limit=4, after=4, search="umum", ahead=ahead)
    assert [row.id for row in page] == [7, 8, 9, 10]


@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize("descending", [False, True])
def test_articles_stored_after_the_ids_were_read_are_listed(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch, descending: bool
) -> None:
    """The run never stands for the listing's start or end: an article stored since comes
    first in descending order, last in ascending order, as a listing without a run has it."""
    args: dict[str, Any] = {"search": "jarang", "descending": descending}
    ahead = IdsAhead()
    pages = [list_articles(session=session, limit=5, ahead=ahead, **args)]
    while pages[-1]:
        after = pages[-1][-1].id
        pages.append(list_articles(session=session, limit=5, after=after, ahead=ahead, **args))
    now = datetime.now(UTC)
    new = {"id": N + 1, "external_id": "new", "title": "Baru", "text": "Kata jarang."}
    with engine.begin() as connection:
        connection.execute(
            insert(Article.__table__),  # type: ignore[attr-defined]
            [
                {
                    **new,
                    "sha256": "f" * 64,
                    "status": "todo",
                    "meta": {},
                    "created_at": now,
                    "updated_at": now,
                }
            ],  # fmt: skip
        )
    index_new_articles(engine)
    first = list_articles(session=session, limit=5, ahead=ahead, **args)
    assert (first[0].id == N + 1) == descending
    tail = list_articles(session=session, limit=5, after=pages[-2][-1].id, ahead=ahead, **args)
    assert [row.id for row in tail] == ([] if descending else [N + 1])


@pytest.mark.usefixtures("corpus")
def test_postgresql_reads_ahead_through_the_index_unless_in_most_articles(
    engine: Engine, session: Session, backend: str
) -> None:
    """The ids of a search in few articles (`BITMAP_BELOW`) are read ahead with the planner
    held to the GIN index's bitmap (`index_scans`: walking the vectors in id order would test
    thousands of rows); those of one in most articles as the planner likes (walking them: the
    first rows match)."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's reading of a search: run with --backend postgresql")
    for search, after, held in (("42", 1, True), ("jarang", 7, True), ("umum", 2, False)):
        ahead = IdsAhead()
        with statements_sent(engine) as sent:
            list_articles(session=session, limit=2, after=after, search=search, ahead=ahead)
        assert ahead.listing == (search, False) and ahead.ids, search
        at = next(i for i, s in enumerate(sent) if "ORDER BY article_fts.id" in s.statement)
        assert any("SET LOCAL enable_seqscan" in s.statement for s in sent[:at]) == held, search
    assert session.execute(text("SHOW enable_seqscan")).scalar_one() == "on"
