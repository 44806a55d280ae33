"""The facts screen on the sample corpus: filters against the store, enter opens the evidence."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from store.db import session_scope
from store.facts.repository import list_facts
from tui.app import make_app
from tui.screens.facts import FactsScreen
from tui.screens.review import ArticleScreen

SIZE = (140, 40)


@pytest.mark.usefixtures("demo")
async def test_filter_and_open_the_evidence(db_url: str, engine: Engine) -> None:
    with session_scope(engine) as session:
        everything = list_facts(session=session)
        memberships = list_facts(session=session, type="MEMBERSHIP")
        with_ru = list_facts(session=session, entity="RU")
    assert everything and memberships and len(with_ru) < len(everything)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, FactsScreen)
        assert [f.id for f in screen.facts] == [f.id for f in everything]
        line = "".join(s.text for s in screen.listing.render_line(0))
        assert everything[0].type in line and f"#{everything[0].article_id}" in line
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # all types, ARMS_TRANSFER, MEMBERSHIP
        await pilot.pause()
        assert [f.id for f in screen.facts] == [f.id for f in memberships]
        await pilot.press("0", "e", *"RU", "enter")
        await pilot.pause()
        assert [f.id for f in screen.facts] == [f.id for f in with_ru]
        await pilot.press("s")  # pending only
        await pilot.pause()
        assert {f.state for f in screen.facts} == {"pending"}
        target = screen.facts[0]
        await pilot.press("enter")
        await pilot.pause()
        review = pilot.app.screen
        assert isinstance(review, ArticleScreen) and review.article.id == target.article_id
        assert review.current is not None
        assert review.current.id == target.fillers[0].mention_id


@pytest.mark.usefixtures("demo")
async def test_a_accepts_a_fact_with_its_pending_mentions_and_says_so(
    db_url: str, engine: Engine
) -> None:
    from store.models import Mention

    with session_scope(engine) as session:
        first = list_facts(session=session)[0]
    fillers = {f.mention_id for f in first.fillers}
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        messages = [str(n.message) for n in pilot.app._notifications]
        assert f"{first.type} accepted, and {len(fillers)} pending mentions it names" in messages
        screen = pilot.app.screen
        assert isinstance(screen, FactsScreen) and screen.facts[0].state == "accepted"
        await pilot.press("down", "x")
        await pilot.pause()
        with session_scope(engine) as session:
            facts = list_facts(session=session)
            assert (facts[0].state, facts[1].state) == ("accepted", "rejected")
            mentions = [session.get(Mention, i) for i in fillers]
            assert {m.state for m in mentions if m is not None} == {"accepted"}
