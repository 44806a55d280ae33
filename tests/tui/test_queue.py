"""The queue: counts per article, progress, full-text search, sorts, a bounded window of rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert
from sqlmodel import Session

from store.config import MIN_SCORE
from store.corpus.articles import list_articles
from store.models import Article
from store.review.mentions import decide_mention, list_mentions
from tests.tui.test_app import SIZE, drawn, plain, shown_ids, table_of
from tui.app import make_app
from tui.screens.review import ArticleScreen


def column(table: object, name: str) -> list[str]:
    from tui.widgets.article_table import ArticleTable

    assert isinstance(table, ArticleTable)
    index = [c.key.value for c in table.columns.values()].index(name)
    return [table.get_row_at(i)[index].plain for i in range(table.row_count)]


@pytest.mark.usefixtures("demo")
async def test_rows_show_pending_and_accepted_counts(
    db_url: str, session: Session, reviewer_id: int
) -> None:
    first = list_mentions(min_score=MIN_SCORE, session=session, article_id=1)[0]
    decide_mention(session=session, mention_id=first.id, state="accepted", reviewer_id=reviewer_id)
    rows = list_articles(min_score=MIN_SCORE, session=session)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Reopening returns the reviewer to the article and mention of their last decision.
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen) and screen.article.id == 1
        assert screen.current is not None and screen.current.id == first.id
        await pilot.press("escape")
        await pilot.pause()
        table = table_of(pilot.app)
        assert table.article_id == 1
        assert column(table, "pending") == [str(r.pending) for r in rows]
        assert column(table, "accepted") == ["1", "0", "0", "0", "0"]
        assert column(table, "pending")[0] == str(rows[0].pending)
        assert column(table, "facts") == [str(r.facts) for r in rows]
        counts = plain(pilot.app.screen.query_one("#counts"))
        assert "done 0/5" in counts and "1 decisions today" in counts


@pytest.mark.usefixtures("demo")
async def test_slash_searches_title_and_text_and_escape_clears(db_url: str) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await pilot.press(*"Zhaparov", "enter")
        await pilot.pause()
        table = table_of(pilot.app)
        assert shown_ids(table) == [1]
        assert "search: Zhaparov" in plain(pilot.app.screen.query_one("#counts"))
        await pilot.press("slash", "escape")
        await pilot.pause()
        assert shown_ids(table) == [1, 2, 3, 4, 5]


@pytest.mark.usefixtures("demo")
async def test_a_prefix_too_short_is_refused_with_a_line_and_the_box_stays(db_url: str) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"Zh*", "enter")
        await pilot.pause()
        table = table_of(pilot.app)
        messages = [str(n.message) for n in pilot.app._notifications]
        assert any("a prefix needs at least 3 letters" in m and "zh*" in m for m in messages)
        assert shown_ids(table) == [1, 2, 3, 4, 5]  # the listing as it was, no search
        assert "search:" not in plain(pilot.app.screen.query_one("#counts"))
        assert pilot.app.screen.query_one("#search").has_focus  # to be written again
        await pilot.press("ctrl+u", *"Zha*", "enter")
        await pilot.pause()
        assert shown_ids(table) == [1]
        assert "search: Zha*" in plain(pilot.app.screen.query_one("#counts"))


@pytest.mark.usefixtures("demo")
async def test_returning_from_an_article_refreshes_its_counts(
    db_url: str, session: Session, reviewer_id: int
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("down", "enter")
        await pilot.pause()
        for m in list_mentions(min_score=MIN_SCORE, session=session, article_id=2)[:3]:
            decide_mention(
                session=session, mention_id=m.id, state="rejected", reviewer_id=reviewer_id
            )
        await pilot.press("escape")
        await pilot.pause()
        table = table_of(pilot.app)
        assert table.article_id == 2  # the cursor stays on the article
        pending = list_articles(min_score=MIN_SCORE, session=session)[1].pending
        assert column(table, "pending")[1] == str(pending)


@pytest.mark.usefixtures("demo")
async def test_no_reopening_at_a_done_article_or_for_another_reviewer(
    db_url: str, session: Session, reviewer_id: int
) -> None:
    from store.corpus.articles import set_status

    first = list_mentions(min_score=MIN_SCORE, session=session, article_id=2)[0]
    decide_mention(session=session, mention_id=first.id, state="accepted", reviewer_id=reviewer_id)
    async with make_app(db_url, reviewer="someone-else").run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ArticleScreen)
    set_status(session=session, article_id=2, status="done", reviewer_id=reviewer_id)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ArticleScreen)


def header_text(table: object) -> list[str]:
    from tui.widgets.article_table import ArticleTable

    assert isinstance(table, ArticleTable)
    return [c.label.plain for c in table.ordered_columns]


@pytest.mark.usefixtures("demo")
async def test_s_cycles_the_sort_and_shift_s_reverses_it(
    db_url: str, session: Session, reviewer_id: int
) -> None:
    from store.corpus.articles import SORTS, set_status

    set_status(session=session, article_id=3, status="done", reviewer_id=reviewer_id)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        table = table_of(pilot.app)
        await pilot.press("down", "down")  # on article 3
        for sort in list(SORTS)[1:]:
            await pilot.press("s")
            await pilot.pause()
            order = [r.id for r in list_articles(min_score=MIN_SCORE, session=session, sort=sort)]
            assert shown_ids(table) == order, sort
            assert table.article_id == 3, sort  # the cursor stays on its article
            assert f"{sort} ▲" in header_text(table)
            assert f"by {sort} ▲" in plain(pilot.app.screen.query_one("#counts"))
            await pilot.press("S")
            await pilot.pause()
            order = [
                r.id
                for r in list_articles(
                    min_score=MIN_SCORE, session=session, sort=sort, descending=True
                )
            ]
            assert shown_ids(table) == order, sort
            assert f"{sort} ▼" in header_text(table)
            await pilot.press("S")
            await pilot.pause()
        await pilot.press("s")  # back to id after the last sort
        await pilot.pause()
        assert shown_ids(table) == [1, 2, 3, 4, 5]
        assert "id ▲" in header_text(table)


@pytest.mark.usefixtures("demo")
async def test_clicking_a_header_sorts_by_it_and_again_reverses(
    db_url: str, session: Session
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        table = table_of(pilot.app)
        columns = table.ordered_columns
        names = [str(c.key.value) for c in columns]
        x = sum(c.get_render_width(table) for c in columns[: names.index("title")]) + 2
        assert await pilot.click(table, offset=(x, 0))
        await pilot.pause()
        assert shown_ids(table) == [
            r.id for r in list_articles(min_score=MIN_SCORE, session=session, sort="title")
        ]
        assert "title ▲" in header_text(table)
        assert await pilot.click(table, offset=(x, 0))
        await pilot.pause()
        assert shown_ids(table) == [
            r.id
            for r in list_articles(
                min_score=MIN_SCORE, session=session, sort="title", descending=True
            )
        ]
        x = sum(c.get_render_width(table) for c in columns[: names.index("pending")]) + 2
        assert await pilot.click(table, offset=(x, 0))
        await pilot.pause()
        assert shown_ids(table) == [
            r.id for r in list_articles(min_score=MIN_SCORE, session=session, sort="pending")
        ]


@pytest.mark.usefixtures("demo")
async def test_next_article_follows_the_sort_and_filter(
    db_url: str, session: Session, reviewer_id: int
) -> None:
    from store.corpus.articles import get_article, set_status

    set_status(session=session, article_id=4, status="done", reviewer_id=reviewer_id)
    order = [
        r.id
        for r in list_articles(
            min_score=MIN_SCORE, session=session, status="todo", sort="title", descending=True
        )
    ]
    assert len(order) == 4 and order != sorted(order) and order != sorted(order, reverse=True)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("1", "s", "S")  # to do, by title, descending
        await pilot.pause()
        table = table_of(pilot.app)
        assert shown_ids(table) == order
        assert table.article_id == 1  # the cursor stayed on its article
        await pilot.press("home", "down", "enter")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen) and screen.article.id == order[1]
        await pilot.press("n")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen) and screen.article.id == order[2]
        await pilot.press("p", "p")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen) and screen.article.id == order[0]
        await pilot.press("n")
        await pilot.pause()
        # `d`: done (it leaves the to-do listing), then the next one in the listing's order.
        await pilot.press("d", "y")  # pending left: yes to the question
        await pilot.pause()
        assert get_article(session=session, article_id=order[1]).status == "done"
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen) and screen.article.id == order[2]
        await pilot.press("p")  # from order[2], back over the article that left the listing
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen) and screen.article.id == order[0]
        queue = pilot.app.screen_stack[0]
        assert queue.neighbour(order[1], 1) == order[2]  # type: ignore[attr-defined]
        assert queue.neighbour(order[1], -1) == order[0]  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.pause()
        assert shown_ids(table) == [order[0], order[2], order[3]]
        assert table.article_id == order[0]


def many_articles(engine: Engine, count: int) -> None:
    """`count` articles in id order, through Core (an import would take longer)."""
    now = datetime.now(UTC)
    rows = [
        {
            "id": n,
            "external_id": f"a{n}",
            "title": f"Article {n:05d}",
            "source": None,
            "url": None,
            "published": None,
            "text": f"Text {n}.",
            "sha256": f"{n:064x}",
            "status": "todo",
            "meta": {},
            "created_at": now,
            "updated_at": now,
        }
        for n in range(1, count + 1)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Article.__table__), rows)  # type: ignore[attr-defined]


async def test_end_home_and_scrolling_keep_a_bounded_window(db_url: str, engine: Engine) -> None:
    from tui.screens.articles import PAGE
    from tui.widgets.article_table import ArticleTable

    total = 2_000
    many_articles(engine, total)
    bound = ArticleTable.WINDOW
    assert bound <= 3 * PAGE < total
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        table = table_of(pilot.app)
        counts = pilot.app.screen.query_one("#counts")
        assert table.row_count == PAGE and table.total == total
        assert "rows 1-200 of 2,000" in plain(counts)
        await pilot.press("end")
        await pilot.pause()
        assert table.article_id == total and table.cursor_row == table.row_count - 1
        assert table.row_count <= bound
        assert shown_ids(table) == list(range(total - table.row_count + 1, total + 1))
        assert "rows 1,801-2,000 of 2,000" in plain(counts)
        assert any(f"Article {total:05d}" in line for line in drawn(table))
        # Up from the end: earlier pages come in by keyset, far ones are dropped.
        for _ in range(30):
            await pilot.press("pageup")
        await pilot.pause()
        assert table.row_count <= bound and table.first < total - PAGE
        ids = shown_ids(table)
        assert ids == list(range(table.first + 1, table.first + table.row_count + 1))
        assert table.article_id == table.first + table.cursor_row + 1
        assert any(f"Article {table.article_id:05d}" in line for line in drawn(table))
        await pilot.press("home")
        await pilot.pause()
        assert table.article_id == 1 and table.first == 0 and table.cursor_row == 0
        assert table.row_count <= bound
        # Down a page at a time: later pages come in, the first ones are dropped.
        while table.first == 0:
            before = table.article_id
            await pilot.press("pagedown")
            assert table.row_count <= bound
            assert table.article_id is not None and before is not None
            assert table.article_id > before
        ids = shown_ids(table)
        assert ids == list(range(table.first + 1, table.first + table.row_count + 1))
        assert table.article_id == table.first + table.cursor_row + 1
        await pilot.pause()
        assert any(f"Article {table.article_id:05d}" in line for line in drawn(table))
        assert "rows 1-" not in plain(counts)
        await pilot.press("home")
        await pilot.pause()
        assert table.article_id == 1


async def test_paging_a_searched_queue_reads_its_next_pages_by_id(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Down a searched queue page by page: every match once, in order; the search looked up
    once every `PAGES` pages (ids read ahead), the pages between read by id."""
    from store.corpus import articles
    from store.corpus.search import index_new_articles
    from tests.statements import statements_sent
    from tui.screens.articles import PAGE

    monkeypatch.setattr(articles, "PAGES", 3)
    total = 2_000
    many_articles(engine, total)
    index_new_articles(engine)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"text", "enter")
        await pilot.pause()
        table = table_of(pilot.app)
        assert shown_ids(table) == list(range(1, PAGE + 1))
        seen = set(shown_ids(table))
        with statements_sent(pilot.app.engine) as sent:  # type: ignore[attr-defined]
            for _ in range(400):
                if table.article_id == total:
                    break
                await pilot.press("pagedown")
                ids = shown_ids(table)
                assert ids == list(range(table.first + 1, table.first + len(ids) + 1))
                seen |= set(ids)
        assert table.article_id == total and seen == set(range(1, total + 1))
        searches = [s for s in sent if "MATCH" in s.statement or "@@" in s.statement]
        # Pages 2-10 (the first came with the search): the index read for pages 4, 7, 10.
        assert len(searches) == 3, [s.statement for s in searches]
