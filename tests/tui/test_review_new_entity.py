"""A name the gazetteer lacks: mark it, `l`, `ctrl+n`, edit the name, create; the re-match
proposes its other mentions here and elsewhere; `t` on an alias it has is a notice."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input, Static

from store.corpus.articles import get_article
from store.db import session_scope
from store.gazetteer import entities as gazetteer
from store.models import Entity, Mention
from tests.tui.panels import form as form_shown
from tests.tui.panels import open_panel, picker, reviewing
from tests.tui.test_app import SIZE
from tui.app import make_app
from tui.screens.review import ArticleScreen
from tui.widgets.entity_form import EntityForm
from tui.widgets.link_dock import LinkDock


@pytest.fixture
def without_belousov(demo: None, engine: Engine, reviewer_id: int) -> int:
    """The demo without P-BELOUSOV; the id of the TASS mention after article 3's second
    "Belousov" (`Belousov dikutip TASS`)."""
    with session_scope(engine) as session:
        gazetteer.delete_entity(session=session, key="P-BELOUSOV", reviewer_id=reviewer_id)
        tass = session.exec(
            select(Mention).where(Mention.article_id == 3, Mention.start == 618)
        ).one()
        assert tass.text == "TASS" and tass.id is not None
        return tass.id


def pending_of(engine: Engine, key: str) -> dict[int, list[int]]:
    """Article id -> starts of the pending candidates linked to `key`."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(Mention.article_id, Mention.start)
            .join(Entity)
            .where(Entity.key == key, Mention.state == "pending")
            .order_by(Mention.article_id, Mention.start)
        ).all()
    found: dict[int, list[int]] = {}
    for article, start in rows:
        found.setdefault(article, []).append(start)
    return found


async def mark_belousov(pilot: Pilot[None], engine: Engine, focus: int) -> EntityForm:
    """Open article 3 on `focus`, mark "Belousov" before it, `l`, `ctrl+n`: the form."""
    with session_scope(engine) as session:
        article = get_article(session=session, article_id=3)
    await pilot.app.push_screen(ArticleScreen(article, focus=focus))
    await pilot.pause()
    await pilot.press("m", "b", "b", "v", "w", "l")  # "Belousov", labelled and linked
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    link = picker(pilot.app)
    assert link.mention.text == "Belousov"
    await pilot.press("tab", "tab", "tab")  # PERSON: GPE, LOC, WEAPON, DATE, PERSON...
    while link.label != "PERSON":
        await pilot.press("tab")
    await pilot.press("ctrl+n")
    await pilot.pause()
    return form_shown(pilot.app)


async def test_a_new_entity_is_proposed_everywhere_after_its_creation(
    db_url: str, engine: Engine, without_belousov: int
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        form = await mark_belousov(pilot, engine, without_belousov)
        name = form.query_one("#new-entity-name", Input)
        key = form.query_one("#new-entity-key", Input)
        assert (name.value, key.value, form.label) == ("Belousov", "person:belousov", "PERSON")
        await pilot.press("home", *"Andrei", "space")  # the surface is not the whole name
        await pilot.pause()
        assert key.value == "person:andrei-belousov"  # the key follows the name
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = reviewing(pilot.app)
        # The entity, with the name and the surface as aliases; the marked mention linked.
        with session_scope(engine) as session:
            entity = gazetteer.get_entity(session=session, key="person:andrei-belousov")
            marked = session.exec(
                select(Mention).where(Mention.article_id == 3, Mention.start == 601)
            ).one()
        assert (entity.name, entity.type) == ("Andrei Belousov", "PERSON")
        assert [a.text for a in entity.aliases] == ["Andrei Belousov", "Belousov"]
        assert (marked.entity_id, marked.state, marked.origin) == (entity.id, "accepted", "manual")
        # The re-match proposed its other mentions: here, and in the other article.
        found = pending_of(engine, "person:andrei-belousov")
        assert found[3] == [241, 794] and 510 in found[5] and set(found) == {3, 5}
        # This article's list shows them.
        shown = {m.start for m in screen.mentions if m.entity_key == entity.key}
        assert {241, 601, 794} <= shown
        # `t` on the marked mention: its surface is an alias already: a notice, no error.
        screen.cursor = next(i for i, m in enumerate(screen.mentions) if m.id == marked.id)
        pilot.app.clear_notifications()
        await pilot.press("t")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        notices = [(str(n.message), n.severity) for n in pilot.app._notifications]
        assert any(
            message.startswith("'Belousov' is already an alias of person:andrei-belousov")
            and severity == "information"
            for message, severity in notices
        ), notices
        assert not any(severity == "error" for _, severity in notices), notices
        # `t` on a candidate the matcher proposed by that alias: the same notice, no re-match.
        screen.cursor = next(
            i for i, m in enumerate(screen.mentions) if m.start == 794 and m.state == "pending"
        )
        pilot.app.clear_notifications()
        await pilot.press("t")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        messages = [str(n.message) for n in pilot.app._notifications]
        assert any(m.endswith("and the matcher proposes it") for m in messages), messages


async def test_a_taken_key_is_one_line_in_the_form_and_escape_goes_back(
    db_url: str, engine: Engine, without_belousov: int
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        form = await mark_belousov(pilot, engine, without_belousov)
        await pilot.press("tab")  # to the key
        key = form.query_one("#new-entity-key", Input)
        assert pilot.app.focused is key
        key.value = ""
        await pilot.press(*"RU")
        await pilot.press("enter")
        await pilot.pause()
        assert open_panel(pilot.app) is form  # refused: nothing created, the form stays
        problem = form.query_one("#new-entity-problem", Static)
        assert "taken by 'Russia'" in str(problem.render())
        await pilot.press("backspace", "backspace", "a", "space", "b")
        await pilot.press("enter")
        await pilot.pause()
        assert open_panel(pilot.app) is form and "spaces" in str(problem.render())
        await pilot.press("escape")  # back to the search
        await pilot.pause()
        assert picker(pilot.app).query_one("#link-query", Input).has_focus
        await pilot.press("escape")
        await pilot.pause()
        reviewing(pilot.app)
    with session_scope(engine) as session:
        assert session.exec(select(Entity).where(Entity.name == "Belousov")).first() is None
        marked = session.exec(
            select(Mention).where(Mention.article_id == 3, Mention.start == 601)
        ).one()
        assert marked.entity_id is None


@pytest.mark.usefixtures("demo")
async def test_the_form_opened_again_is_the_same_form_filled_for_the_new_mention(
    engine: Engine, db_url: str
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "N")  # the form for the first mention
        await pilot.pause()
        form = form_shown(pilot.app)
        first = form.surface
        form.query_one("#new-entity-key", Input).value = "SOMETHING ELSE"  # edited by hand
        await pilot.press("escape")
        await pilot.pause()
        review = reviewing(pilot.app)
        assert pilot.app.focused is review.body
        while review.current is not None and review.current.text == first:
            await pilot.press("j")
        second = review.current
        assert second is not None
        await pilot.press("N")
        await pilot.pause()
        assert form_shown(pilot.app) is form  # built once, shown again
        name = form.query_one("#new-entity-name", Input)
        assert form.surface == name.value == " ".join(second.text.split())
        assert form.query_one("#new-entity-key", Input).value == form.auto_key != "SOMETHING ELSE"
        assert not form.key_edited and name.has_focus
        await pilot.press("enter")  # created with the second mention's surface
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    with session_scope(engine) as session:
        made = session.exec(select(Entity).where(Entity.key == form.auto_key)).one()
        assert made.name == form.surface


async def test_the_move_on_after_a_new_entity_is_drawn_with_its_other_mentions(
    db_url: str, engine: Engine, without_belousov: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mention's article is re-matched before the rest, and nothing is drawn until it is:
    the first frame after `enter` shows the panel closed, the move to the next mention and the
    entity's other mentions in the article (one paint for all), and the focus is on the next
    pending mention at once (a key pressed meanwhile acts there)."""
    from tui.widgets.mention_panel import MentionPanel

    monkeypatch.setattr("tui.screens.base.FIRST_WAIT", 30.0)  # (a slow machine: not overdue)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await mark_belousov(pilot, engine, without_belousov)
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        panel = screen.query_one(MentionPanel)
        app = pilot.app

        def heading() -> str:  # "Mention 7 of 67": the focus, and how many mentions
            lines = str(panel._content).split("\n")
            return next(line for line in lines if line.startswith("Mention "))

        drawn: list[tuple[str, bool]] = []  # each frame: its heading, the panel still open
        display = app._display

        def noted(where: object, renderable: object) -> None:
            display(where, renderable)  # type: ignore[arg-type]
            if renderable is not None and not app._batch_count:
                drawn.append((heading(), screen.query_one(LinkDock).display))

        before = heading()
        app._display = noted  # type: ignore[method-assign]
        await pilot.press("enter")
        moved = screen.current
        assert moved is not None and moved.state == "pending"  # the focus moved on at once
        await app.workers.wait_for_complete()
        await pilot.pause()
        after = heading()
        shown = int(before.split(" of ")[1])
        assert after.endswith(f" of {shown + 2}"), (before, after)  # "Belousov" at 241, 794
        assert drawn and drawn[0] == (after, False), drawn  # all of it in the first frame
        assert {frame for frame, _ in drawn} == {after}, drawn  # never without them
        assert app._batch_count == 0 and not screen.article_rematching


async def test_a_new_entity_whose_article_waits_is_drawn_without_it(
    db_url: str, engine: Engine, without_belousov: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the article's re-match waits (behind another re-match), the screen is drawn after
    `FIRST_WAIT` all the same (the panel closed, the focus moved), and with the article's new
    candidates once they come; the rest of the re-match is not held up for good."""
    from tui.screens import base

    monkeypatch.setattr(base, "FIRST_WAIT", 0.05)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await mark_belousov(pilot, engine, without_belousov)
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        app = pilot.app
        before = len(screen.mentions)
        with base._REMATCHING:  # another re-match runs
            await pilot.press("enter")
            await pilot.pause(0.3)
            assert app._batch_count == 0 and not screen.article_rematching  # drawn
            assert not screen.query_one(LinkDock).display
            assert len(screen.mentions) == before  # (its article not re-matched yet)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(screen.mentions) == before + 2  # "Belousov" at 241, 794


async def test_the_picker_and_the_form_are_built_before_the_first_key_and_show_its_mention(
    db_url: str, engine: Engine, demo: None
) -> None:
    """The panel's picker and form are built, hidden, once the review screen's first frame is
    drawn (the first `l` or `N` then only shows them: built then, that key took 105-115 ms);
    shown, each is for the mention focused then, not the one they were built for."""
    with session_scope(engine) as session:
        article = get_article(session=session, article_id=3)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(ArticleScreen(article))
        await pilot.pause()
        await pilot.pause()
        screen = reviewing(pilot.app)
        dock = screen.query_one(LinkDock)
        built_picker, built_form = dock.picker, dock.form
        assert built_picker is not None and built_form is not None
        assert not built_picker.display and not built_form.display and not dock.is_open
        first = screen.current
        await pilot.press("j")  # another mention focused
        second = screen.current
        assert first is not None and second is not None and second.id != first.id
        await pilot.press("l")
        await pilot.pause()
        assert picker(pilot.app) is built_picker and built_picker.mention.id == second.id
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("N")
        await pilot.pause()
        shown = form_shown(pilot.app)
        assert shown is built_form
        assert shown.query_one("#new-entity-name", Input).value == second.text
        assert len(dock.query_children(EntityForm)) == 1
