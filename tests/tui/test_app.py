"""The app driven by Pilot on real SQLite databases: list, article view, filters, paging."""

from __future__ import annotations

import pytest
from sqlmodel import Session
from textual.app import App
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from store.corpus.articles import get_article, list_articles, set_status
from tests.tui.conftest import Importer
from tui.app import make_app
from tui.screens.articles import PAGE, ArticlesScreen
from tui.screens.review import ArticleScreen
from tui.widgets.article_table import ArticleTable

SIZE = (120, 40)
TRICKY = "[bold]not bold[/bold] [link=x]y[/link] 🤔 [/]"


def drawn(widget: Widget) -> list[str]:
    """The lines `widget` draws on screen, as plain strings."""
    strips = widget.render_lines(Region(0, 0, widget.region.width, widget.region.height))
    return ["".join(segment.text for segment in strip) for strip in strips]


def plain(static: Widget) -> str:
    """The text a `Static` shows, without styles."""
    assert isinstance(static, Static)
    visual = static.visual
    assert isinstance(visual, Content)
    return visual.plain


def table_of(app: App[None]) -> ArticleTable:
    """The article table of the list screen."""
    return app.screen.query_one(ArticleTable)


def shown_ids(table: ArticleTable) -> list[int]:
    """The article ids of the loaded rows, in order."""
    return [int(str(row.key.value)) for row in table.ordered_rows]


def titles(table: ArticleTable) -> list[str]:
    """The title cells of the loaded rows."""
    return [table.get_row_at(i)[-1].plain for i in range(table.row_count)]


@pytest.mark.usefixtures("demo")
async def test_list_shows_the_sample_titles(db_url: str, session: Session) -> None:
    expected = [row.title for row in list_articles(session=session, limit=100)]
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        table = table_of(pilot.app)
        assert titles(table) == expected
        assert table.has_focus
        counts = plain(pilot.app.screen.query_one("#counts"))
        assert "5 articles" in counts and "todo 5" in counts
        screen_text = "\n".join(drawn(table))
        assert expected[0][:40] in screen_text


@pytest.mark.usefixtures("demo")
async def test_enter_opens_the_article_and_escape_returns(db_url: str, session: Session) -> None:
    second = get_article(session=session, article_id=2)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("down", "enter")
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        assert plain(screen.query_one("#article-text")) == second.text
        assert second.title in plain(screen.query_one("#article-title"))
        assert second.text.splitlines()[0][:60] in "\n".join(
            drawn(screen.query_one("#article-text"))
        )
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, ArticlesScreen)
        assert table_of(pilot.app).article_id == 2  # the cursor is where it was
        await pilot.press("enter", "q")  # q on an article goes back, it does not quit
        assert isinstance(pilot.app.screen, ArticlesScreen)
        assert pilot.app.is_running
        await pilot.press("q")
        assert not pilot.app.is_running


@pytest.mark.usefixtures("demo")
async def test_status_keys_filter_the_rows(db_url: str, session: Session, reviewer_id: int) -> None:
    set_status(session=session, article_id=2, status="done", reviewer_id=reviewer_id)
    set_status(session=session, article_id=3, status="in_progress", reviewer_id=reviewer_id)
    set_status(session=session, article_id=5, status="done", reviewer_id=reviewer_id)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        table = table_of(pilot.app)
        assert shown_ids(table) == [1, 2, 3, 4, 5]
        await pilot.press("3")
        assert shown_ids(table) == [2, 5]
        assert {table.get_row_at(i)[1].plain for i in range(2)} == {"done"}
        await pilot.press("2")
        assert shown_ids(table) == [3]
        await pilot.press("1")
        assert shown_ids(table) == [1, 4]
        await pilot.press("0")
        assert shown_ids(table) == [1, 2, 3, 4, 5]
        assert "in progress 1" in plain(pilot.app.screen.query_one("#counts"))


@pytest.mark.usefixtures("demo")
async def test_r_reloads_what_changed_meanwhile(
    db_url: str, session: Session, reviewer_id: int
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("3")
        assert shown_ids(table_of(pilot.app)) == []
        set_status(session=session, article_id=4, status="done", reviewer_id=reviewer_id)
        await pilot.press("r")
        assert shown_ids(table_of(pilot.app)) == [4]
        assert "done 1" in plain(pilot.app.screen.query_one("#counts"))


async def test_rows_load_page_by_page(db_url: str, import_records: Importer) -> None:
    import_records(
        [{"id": f"a{i}", "title": f"Article {i}", "text": f"Text number {i}."} for i in range(1000)]
    )
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        table = table_of(pilot.app)
        assert table.row_count == PAGE < 1000
        assert table.total == 1000
        while table.row_count == PAGE:
            assert table.cursor_row < PAGE - 1, "the end of the page came before more rows"
            before = table.cursor_row
            await pilot.press("pagedown")
            await pilot.pause()
            assert table.cursor_row > before
        # More rows came while the cursor was near, not at, the end of the first page.
        assert PAGE - table.NEAR_END <= table.cursor_row < PAGE - 1
        assert table.row_count == 2 * PAGE
        await pilot.press("end")
        await pilot.pause()
        # The last page only, read directly: never every row (see test_queue.py for more).
        assert table.row_count <= table.WINDOW < 1000
        assert shown_ids(table) == list(range(1000 - table.row_count + 1, 1001))
        assert table.article_id == 1000
        assert titles(table)[-1] == "Article 999"


async def test_markup_in_data_is_shown_literally(db_url: str, import_records: Importer) -> None:
    text = f"{TRICKY}\nSecond line with [red]red?[/red] and [@click=app.quit]quit[/]."
    import_records([{"id": "tricky", "title": TRICKY, "source": "[i]src[/i]", "text": text}])
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        table = table_of(pilot.app)
        assert titles(table) == [TRICKY]
        assert table.get_row_at(0)[-2].plain == "[i]src[/i]"
        assert any(TRICKY[:30] in line for line in drawn(table))  # the title column is narrower
        await pilot.press("enter")
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        body = screen.query_one("#article-text", Static)
        assert plain(body) == text
        lines = drawn(body)
        assert lines[0].rstrip() == TRICKY
        assert lines[1].rstrip() == "Second line with [red]red?[/red] and [@click=app.quit]quit[/]."
        for strip in body.render_lines(Region(0, 0, body.size.width, 2)):
            for segment in strip:
                assert not (segment.style and (segment.style.bold or segment.style.link))
        assert drawn(screen.query_one("#article-title"))[1].strip() == TRICKY
        assert "[i]src[/i]" in drawn(screen.query_one("#article-meta"))[0]


async def test_empty_database_shows_how_to_fill_it(db_url: str, engine: object) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        hint = screen.query_one("#hint", Static)
        assert hint.display and not table_of(pilot.app).display
        text = "\n".join(drawn(hint))
        assert "telaah import PATH" in text and "telaah demo" in text
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, ArticlesScreen)


@pytest.mark.usefixtures("demo")
async def test_question_mark_toggles_the_keys_panel(db_url: str) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        assert not pilot.app.screen.query("HelpPanel")
        await pilot.press("question_mark")
        await pilot.pause()
        assert pilot.app.screen.query("HelpPanel")
        await pilot.press("question_mark")
        await pilot.pause()
        assert not pilot.app.screen.query("HelpPanel")
