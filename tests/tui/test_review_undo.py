"""`*`, `u` and `U` on the review screen, asserted in the database, across an app restart."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from store.config import MIN_SCORE
from store.review.mentions import list_mentions
from tests.tui.test_app import SIZE
from tui.app import make_app
from tui.screens.review import ArticleScreen


def states(session: Session, text: str) -> list[str]:
    session.expire_all()
    return [
        m.state
        for m in list_mentions(min_score=MIN_SCORE, session=session, article_id=1)
        if m.text == text
    ]


@pytest.mark.usefixtures("demo")
async def test_star_applies_to_all_alike_and_undo_redo_walk_it_back(
    db_url: str, session: Session
) -> None:
    first = list_mentions(min_score=MIN_SCORE, session=session, article_id=1)[0]
    assert first.text == "Rusia"
    count = len(states(session, "Rusia"))
    assert count > 3
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ArticleScreen)
        await pilot.press("a", "k")  # accept the first Rusia, go back to it
        await pilot.pause()
        assert states(session, "Rusia") == ["accepted"] + ["pending"] * (count - 1)
        await pilot.press("asterisk")
        await pilot.pause()
        assert states(session, "Rusia") == ["accepted"] * count
        await pilot.press("u")  # the bulk decision is one step
        await pilot.pause()
        assert states(session, "Rusia") == ["accepted"] + ["pending"] * (count - 1)
        await pilot.press("U")
        await pilot.pause()
        assert states(session, "Rusia") == ["accepted"] * count
        await pilot.press("ctrl+z")
        await pilot.pause()
    # A new app (a restart): undo goes on through the audit log.
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert states(session, "Rusia") == ["pending"] * count
        await pilot.press("u")  # nothing left: a notification, no change
        await pilot.pause()
        assert states(session, "Rusia") == ["pending"] * count
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert states(session, "Rusia") == ["accepted"] + ["pending"] * (count - 1)
