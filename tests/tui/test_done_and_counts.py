"""`d` asks first when an article has pending mentions or facts; "decisions today" counts every
decision, bulk ones by their rows. Driven by Pilot, checked in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select
from textual.content import Content
from textual.widgets import Static

from store.config import MIN_SCORE
from store.corpus.articles import get_article
from store.db import session_scope
from store.facts.repository import list_facts
from store.models import Mention
from store.review.mentions import decide_many, list_mentions
from tests.tui.test_review import SIZE, review
from tui.app import make_app
from tui.screens.articles import ArticlesScreen
from tui.screens.review import ArticleScreen
from tui.widgets.question import Question

pytestmark = pytest.mark.usefixtures("demo")


def status_of(engine: Engine, article_id: int) -> str:
    with session_scope(engine) as session:
        return get_article(session=session, article_id=article_id).status


def question(screen: object) -> str:
    """The question `d` asks, on the lines at the bottom (no dialog)."""
    assert isinstance(screen, ArticleScreen) and screen.asking
    asked = screen.query_one(Question)
    assert asked.has_focus and asked.display
    visual = asked.visual
    assert isinstance(visual, Content)
    return visual.plain


async def test_d_with_pending_left_asks_first_saying_how_many(db_url: str, engine: Engine) -> None:
    with session_scope(engine) as session:
        mentions = list_mentions(min_score=MIN_SCORE, session=session, article_id=1)
        facts = list_facts(session=session, article_id=1, state="pending")
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "d")
        asked = question(pilot.app.screen)
        assert asked.startswith(
            f"Article 1 still has {len(mentions)} pending mentions and {len(facts)} pending "
            "facts. Mark it done?"
        )
        assert "count as rejected ([export] pending_in_done = reject" in asked
        await pilot.press("a")  # the screen's keys are off while it asks: nothing decided
        assert status_of(engine, 1) == "todo" and review(pilot.app).asking
        with session_scope(engine) as session:
            assert list_mentions(min_score=MIN_SCORE, session=session, article_id=1) == mentions
        await pilot.press("n")  # no: nothing changes, the article stays on screen
        assert status_of(engine, 1) == "todo"
        screen = review(pilot.app)
        assert screen.article.id == 1 and not screen.asking
        assert not screen.query_one(Question).display and screen.body.has_focus
        await pilot.press("d", "y")
        assert status_of(engine, 1) == "done"
        assert review(pilot.app).article.id == 2
        assert review(pilot.app) is screen  # shown in place: the same screen, its text
        text = screen.body.text
        with session_scope(engine) as session:
            assert text.text == get_article(session=session, article_id=2).text


async def test_d_with_nothing_pending_does_not_ask(
    db_url: str, engine: Engine, reviewer_id: int
) -> None:
    with session_scope(engine) as session:
        mentions = list(session.exec(select(Mention).where(Mention.article_id == 1)).all())
        decide_many(session, mentions, state="accepted", reviewer_id=reviewer_id)
        for fact in list_facts(session=session, article_id=1):
            from store.facts.repository import decide_fact

            decide_fact(session=session, fact_id=fact.id, state="rejected", reviewer_id=None)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert not review(pilot.app).asking
        assert status_of(engine, 1) == "done"


async def test_decisions_today_count_a_bulk_accept_of_58_by_its_rows(
    db_url: str, engine: Engine, reviewer_id: int
) -> None:
    with session_scope(engine) as session:
        pending = list(
            session.exec(
                select(Mention).where(Mention.state == "pending").order_by(col(Mention.id))
            ).all()
        )
        decide_many(session, pending[:58], state="accepted", reviewer_id=reviewer_id)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.pause()  # the app reopens the article of the last decision
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ArticlesScreen)
        counts = pilot.app.screen.query_one("#counts", Static).visual
        assert isinstance(counts, Content)
        assert "58 decisions today" in counts.plain
        await pilot.press("enter", "a", "x", "escape")
        await pilot.pause()
        counts = pilot.app.screen.query_one("#counts", Static).visual
        assert isinstance(counts, Content)
        assert "60 decisions today" in counts.plain


async def test_d_from_the_facts_panel_answered_no_gives_the_panel_its_focus_back(
    db_url: str, engine: Engine
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "F")
        screen = review(pilot.app)
        assert screen.facts_focused
        await pilot.press("d")
        assert question(screen).startswith("Article 1 still has")
        await pilot.press("escape")  # no
        await pilot.pause()
        assert status_of(engine, 1) == "todo" and not screen.asking and screen.facts_focused
