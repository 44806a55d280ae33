"""Blind mode in the app: two reviewers assigned one article decide the same candidate
differently, each sees only their own decision, the shared row stays pending; the queue shows
their assignments first. Driven by Pilot, checked in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from store.config import MIN_SCORE
from store.db import session_scope
from store.models import Mention
from store.review.mentions import MentionView, list_mentions
from store.teams import add_reviewer, assign
from tests.tui.test_review import SIZE, panel_text, review
from tui.app import make_app
from tui.screens.articles import ArticlesScreen

pytestmark = pytest.mark.usefixtures("demo")


def layer_rows(engine: Engine, reviewer: str) -> list[Mention]:
    with session_scope(engine) as session:
        from store.teams import reviewer_named

        owner = reviewer_named(session, reviewer).id
        rows = list(session.exec(select(Mention).where(col(Mention.layer) == owner)).all())
        for row in rows:
            session.expunge(row)
        return rows


def shared(engine: Engine) -> list[MentionView]:
    with session_scope(engine) as session:
        return list_mentions(session=session, article_id=1, min_score=MIN_SCORE)


async def test_two_reviewers_decide_one_candidate_blind(db_url: str, engine: Engine) -> None:
    with session_scope(engine) as session:
        add_reviewer(session=session, name="ana")
        add_reviewer(session=session, name="budi")
        assign(session=session, article_ids=[1], reviewers=["ana", "budi"], overlap=1.0)
        assign(session=session, article_ids=[3], reviewers=["budi"])
    before = shared(engine)
    first = before[0]
    assert first.state == "pending"

    async with make_app(db_url, reviewer="ana").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "a")  # article 1, its first candidate accepted
        screen = review(pilot.app)
        (copy,) = layer_rows(engine, "ana")
        assert (copy.derived_from, copy.state) == (first.id, "accepted")
        ids = [m.id for m in screen.mentions]
        assert copy.id in ids and first.id not in ids  # the copy shown in its place
        await pilot.press("k", "x")  # back to it, and rejected after all: the copy again
        (copy,) = layer_rows(engine, "ana")
        assert copy.state == "rejected"
        shown = {m.id: m.state for m in screen.mentions}
        assert shown[copy.id] == "rejected" and first.id not in shown
        assert "1 rejected" in panel_text(pilot.app)

    async with make_app(db_url, reviewer="budi").run_test(size=SIZE) as pilot:
        table = pilot.app.screen
        assert isinstance(table, ArticlesScreen)
        await pilot.pause()
        assert [table.table.loaded[i].id for i in range(2)] == [1, 3]  # assigned first
        await pilot.press("enter")
        screen = review(pilot.app)
        assert screen.article.id == 1
        # budi sees the shared candidate pending, not ana's rejection.
        assert screen.mentions[0].id == first.id and screen.mentions[0].state == "pending"
        assert copy.id not in [m.id for m in screen.mentions]
        await pilot.press("a")
        (his,) = layer_rows(engine, "budi")
        assert (his.derived_from, his.state) == (first.id, "accepted")

    (copy,) = layer_rows(engine, "ana")
    assert copy.state == "rejected"  # untouched by budi
    now = shared(engine)
    assert [(m.id, m.state, m.version) for m in now] == [(m.id, m.state, m.version) for m in before]
