"""The concordance screen on the sample corpus: every key checked against the database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from store.db import session_scope
from store.models import Entity, Mention
from tui.app import make_app
from tui.modals.link import LinkScreen
from tui.modals.new_entity import NewEntityScreen
from tui.screens.concordance import ConcordanceScreen
from tui.screens.review import ArticleScreen
from tui.widgets.virtual_list import VirtualList

SIZE = (120, 40)


def states(engine: Engine, key: str) -> dict[int, tuple[str, str]]:
    with session_scope(engine) as session:
        return {
            m.id: (m.state, m.label)
            for m in session.exec(select(Mention).join(Entity).where(Entity.key == key)).all()
            if m.id
        }


def strip_text(screen: ConcordanceScreen, y: int) -> str:
    return "".join(s.text for s in screen.listing.render_line(y))


@pytest.mark.usefixtures("demo")
async def test_decide_lines_and_forms_then_undo(db_url: str, engine: Engine) -> None:
    before = states(engine, "KG")
    assert {s for s, _ in before.values()} == {"pending"}
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = ConcordanceScreen("KG")
        await pilot.app.push_screen(screen)
        await pilot.pause()
        first = screen.rows[0]
        assert first.line is None and strip_text(screen, 0).startswith("━ Kyrgyzstan")
        await pilot.press("a")  # on a heading: nothing to decide
        assert states(engine, "KG") == before
        await pilot.press("down")
        line = screen.rows[1].line
        assert line is not None
        assert "Kyrgyzstan" in strip_text(screen, 1) and f"#{line.article_id}" in strip_text(
            screen, 1
        )
        await pilot.press("a")
        assert states(engine, "KG")[line.mention_id][0] == "accepted"
        following = screen.current
        assert following is not None and following.line is not None
        assert following.line.mention_id != line.mention_id
        await pilot.press("2")  # ORG is the second label: relabel and accept
        assert states(engine, "KG")[following.line.mention_id] == ("accepted", "ORG")
        await pilot.press("X")
        await pilot.pause()
        assert states(engine, "KG") != before  # the first two decisions are in
        await pilot.press("y")
        await pilot.pause()
        after = states(engine, "KG")
        form = [x.mention_id for x in first.group.lines]
        assert all(after[i][0] in ("accepted", "rejected") for i in form)
        assert sum(after[i][0] == "rejected" for i in form) == len(form) - 2
        await pilot.press("u")
        await pilot.pause()
        undone = states(engine, "KG")
        assert sum(undone[i][0] == "pending" for i in form) == len(form) - 2
        screen.listing.move_to(
            next(
                i
                for i, r in enumerate(screen.rows)
                if r.line is not None and r.line.state == "pending"
            )
        )
        target = screen.current
        assert target is not None and target.line is not None
        await pilot.press("enter")
        await pilot.pause()
        review = pilot.app.screen
        assert isinstance(review, ArticleScreen) and review.current is not None
        assert review.current.id == target.line.mention_id
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is screen and isinstance(screen.listing, VirtualList)


@pytest.mark.usefixtures("demo")
async def test_group_decision_can_be_declined(db_url: str, engine: Engine) -> None:
    before = states(engine, "RU")
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(ConcordanceScreen("RU"))
        await pilot.pause()
        await pilot.press("A")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert states(engine, "RU") == before
        await pilot.press("A", "enter")
        await pilot.pause()
        assert {s for s, _ in states(engine, "RU").values()} == {"accepted"}


@pytest.mark.usefixtures("demo")
async def test_l_relinks_a_line(db_url: str, engine: Engine) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = ConcordanceScreen("KG")
        await pilot.app.push_screen(screen)
        await pilot.pause()
        await pilot.press("down")
        row = screen.current
        assert row is not None and row.line is not None
        await pilot.press("l")
        await pilot.pause(0.5)
        await pilot.press(*"Kazakhstan")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        with session_scope(engine) as session:
            mention = session.get(Mention, row.line.mention_id)
            kz = session.exec(select(Entity).where(Entity.key == "KZ")).one()
        assert mention is not None and mention.entity_id == kz.id
        assert mention.state == "accepted"
        assert all(r.line is None or r.line.mention_id != mention.id for r in screen.rows)


@pytest.mark.usefixtures("demo")
async def test_the_concordance_links_in_a_dialog_around_the_same_picker_and_form(
    db_url: str,
) -> None:
    """No panel there: `l` opens the picker in a dialog, `ctrl+n` the form over it, and
    `escape` steps back, the focus where it was each time."""
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = ConcordanceScreen("KG")
        await pilot.app.push_screen(screen)
        await pilot.pause()
        await pilot.press("down", "l")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        link = pilot.app.screen
        assert isinstance(link, LinkScreen)
        assert pilot.app.focused is link.picker.query_one("#link-query")
        await pilot.press("ctrl+n")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, NewEntityScreen)
        assert pilot.app.focused is form.form.query_one("#new-entity-name")
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is link
        assert pilot.app.focused is link.picker.query_one("#link-query")
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is screen
