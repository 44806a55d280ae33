"""Moving through the queue from the review screen: `d` done+next, `n` next, `p` previous."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from textual.app import App

from store.corpus.articles import get_article, set_status
from store.db import session_scope
from tests.tui.test_review import SIZE, review
from tui.app import TelaahApp, make_app
from tui.screens.articles import ArticlesScreen
from tui.screens.review import ArticleScreen
from tui.widgets.article_table import ArticleTable

Notes = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def notes(monkeypatch: pytest.MonkeyPatch) -> Notes:
    """Every notification the review screen shows, with its keyword arguments."""
    shown: Notes = []

    def notify(self: ArticleScreen, message: str, **kwargs: Any) -> None:
        shown.append((message, kwargs))

    monkeypatch.setattr(ArticleScreen, "notify", notify)
    return shown


def status_of(engine: Engine, article_id: int) -> str:
    with session_scope(engine) as session:
        return get_article(session=session, article_id=article_id).status


def shown(app: App[None]) -> int:
    """The id of the article the review screen shows, title included."""
    screen = review(app)
    assert isinstance(app, TelaahApp)
    with session_scope(app.engine) as session:
        title = get_article(session=session, article_id=screen.article.id).title
    assert str(screen.query_one("#article-title").visual) == title
    return screen.article.id


def list_cursor(app: App[None]) -> int | None:
    screen = app.screen
    assert isinstance(screen, ArticlesScreen)
    return screen.query_one(ArticleTable).article_id


@pytest.mark.usefixtures("demo")
async def test_done_next_and_previous(engine: Engine, db_url: str, notes: Notes) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert shown(pilot.app) == 1
        await pilot.press("p")  # nothing before the first article: stay, say so
        await pilot.pause()
        assert shown(pilot.app) == 1
        assert notes and notes[-1][1].get("markup") is False
        assert status_of(engine, 1) == "todo"

        await pilot.press("d", "y")  # pending left: yes to the question
        await pilot.pause()
        assert status_of(engine, 1) == "done"
        assert shown(pilot.app) == 2
        assert "todo" in str(review(pilot.app).query_one("#article-meta").visual)

        await pilot.press("n")
        await pilot.pause()
        assert shown(pilot.app) == 3
        await pilot.press("p")
        await pilot.pause()
        assert shown(pilot.app) == 2
        assert [status_of(engine, i) for i in (2, 3)] == ["todo", "todo"]
        assert len(pilot.app.screen_stack) == 2  # replaced, not stacked

        await pilot.press("escape")
        await pilot.pause()
        assert list_cursor(pilot.app) == 2


@pytest.mark.usefixtures("demo")
async def test_end_of_queue(engine: Engine, db_url: str, notes: Notes) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("end", "enter")
        await pilot.pause()
        assert shown(pilot.app) == 5
        await pilot.press("n")
        await pilot.pause()
        assert shown(pilot.app) == 5
        assert notes[-1] == ("No next article", {"timeout": 2, "markup": False})
        await pilot.press("d", "y")  # marked done all the same, and the screen stays
        await pilot.pause()
        assert status_of(engine, 5) == "done"
        assert shown(pilot.app) == 5
        assert notes[-1][0] == "No next article"
        assert "done" in str(review(pilot.app).query_one("#article-meta").visual)


@pytest.mark.usefixtures("demo")
async def test_done_under_the_todo_filter(
    engine: Engine, db_url: str, reviewer_id: int, notes: Notes
) -> None:
    with session_scope(engine) as session:
        set_status(session=session, article_id=2, status="done", reviewer_id=reviewer_id)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("1", "enter")
        await pilot.pause()
        assert shown(pilot.app) == 1
        await pilot.press("a")  # a decision: article 1 is in progress, out of the todo listing
        await pilot.pause()
        assert status_of(engine, 1) == "in_progress"
        await pilot.press("d", "y")  # pending left: yes to the question
        await pilot.pause()
        assert status_of(engine, 1) == "done"
        assert shown(pilot.app) == 3  # 2 is done already: the next todo article
        await pilot.press("p")  # nothing todo before 3 any more
        await pilot.pause()
        assert shown(pilot.app) == 3
        assert notes[-1][0] == "No previous article"
        await pilot.press("n")
        await pilot.pause()
        assert shown(pilot.app) == 4

        await pilot.press("escape")
        await pilot.pause()
        assert list_cursor(pilot.app) == 4
        table = pilot.app.screen.query_one(ArticleTable)
        assert [table.get_row_at(i)[0].plain for i in range(table.row_count)] == ["3", "4", "5"]


async def test_without_a_queue_n_and_p_do_nothing(
    db_url: str, engine: Engine, notes: Notes
) -> None:
    from store.corpus.demo import prepare_demo

    prepare_demo(engine, reviewer_id=None)
    app = make_app(db_url, reviewer="tester")
    async with app.run_test(size=SIZE) as pilot:
        with session_scope(engine) as session:
            article = get_article(session=session, article_id=1)
        await app.push_screen(ArticleScreen(article))
        await pilot.pause()
        await pilot.press("n", "p")
        await pilot.pause()
        assert shown(app) == 1 and notes == []
        await pilot.press("d", "y")  # pending left: yes to the question
        await pilot.pause()
        assert status_of(engine, 1) == "done"
        assert shown(app) == 1
        assert notes[-1][0] == "No next article"
