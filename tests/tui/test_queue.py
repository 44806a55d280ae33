"""The queue: candidate counts per article, progress in the header, full-text search."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from store.articles import list_articles
from store.mentions import decide_mention, list_mentions
from tests.tui.test_app import SIZE, plain, shown_ids, table_of
from tui.app import make_app
from tui.screens.article import ArticleScreen


def column(table: object, name: str) -> list[str]:
    from tui.widgets.article_table import ArticleTable

    assert isinstance(table, ArticleTable)
    index = [c.key.value for c in table.columns.values()].index(name)
    return [table.get_row_at(i)[index].plain for i in range(table.row_count)]


@pytest.mark.usefixtures("demo")
async def test_rows_show_pending_and_accepted_counts(db_url: str, session: Session,
                                                     reviewer_id: int) -> None:
    first = list_mentions(session=session, article_id=1)[0]
    decide_mention(session=session, mention_id=first.id, state="accepted",
                   reviewer_id=reviewer_id)
    rows = list_articles(session=session)
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
        assert column(table, "facts") == ["0"] * 5
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
async def test_returning_from_an_article_refreshes_its_counts(
        db_url: str, session: Session, reviewer_id: int) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("down", "enter")
        await pilot.pause()
        for m in list_mentions(session=session, article_id=2)[:3]:
            decide_mention(session=session, mention_id=m.id, state="rejected",
                           reviewer_id=reviewer_id)
        await pilot.press("escape")
        await pilot.pause()
        table = table_of(pilot.app)
        assert table.article_id == 2  # the cursor stays on the article
        pending = list_articles(session=session)[1].pending
        assert column(table, "pending")[1] == str(pending)


@pytest.mark.usefixtures("demo")
async def test_no_reopening_at_a_done_article_or_for_another_reviewer(
        db_url: str, session: Session, reviewer_id: int) -> None:
    from store.articles import set_status

    first = list_mentions(session=session, article_id=2)[0]
    decide_mention(session=session, mention_id=first.id, state="accepted",
                   reviewer_id=reviewer_id)
    async with make_app(db_url, reviewer="someone-else").run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ArticleScreen)
    set_status(session=session, article_id=2, status="done", reviewer_id=reviewer_id)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ArticleScreen)
