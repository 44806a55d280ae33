"""The command palette offers every key of the screen, titled with its keys, and runs it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from textual.app import App
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from store.config import MIN_SCORE
from store.db import session_scope
from store.models import Mention
from store.paths import config_file
from store.review.mentions import MentionView, list_mentions
from tests.tui.conftest import Importer
from tui.app import make_app
from tui.palette import key_commands
from tui.screens.review import ArticleScreen

SIZE = (120, 40)


def mentions_of(engine: Engine, article_id: int) -> list[MentionView]:
    """The article's mentions as stored now."""
    with session_scope(engine) as session:
        return list_mentions(min_score=MIN_SCORE, session=session, article_id=article_id)


def review(app: App[None]) -> ArticleScreen:
    """The review screen, which must be the one showing."""
    assert isinstance(app.screen, ArticleScreen)
    return app.screen


async def choose(pilot: Pilot[None], query: str) -> str:
    """Open the palette, type `query`, wait for the first hit and run it; its title."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*query)
    commands = app.screen.query_one(CommandList)
    for _ in range(1000):  # the palette searches in the background: wait for its first hit
        await pilot.pause(0.02)
        if commands.highlighted is not None and commands.option_count:
            break
    assert commands.highlighted is not None
    title = str(commands.get_option_at_index(commands.highlighted).prompt).splitlines()[0]
    await pilot.press("enter")
    await pilot.pause()
    assert not isinstance(app.screen, CommandPalette)
    return title


@pytest.mark.usefixtures("demo")
async def test_palette_accepts_the_focused_mention(
    db_url: str, engine: Engine, reviewer_id: int
) -> None:
    before = mentions_of(engine, 1)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert review(pilot.app).cursor == 0
        title = await choose(pilot, "Accept")
        assert title == "Accept (a)"
        now = mentions_of(engine, 1)
        assert now[0].state == "accepted"
        with session_scope(engine) as session:
            row = session.get(Mention, now[0].id)
            assert row is not None and row.reviewer_id == reviewer_id
        assert [m.state for m in now[1:]] == ["pending"] * (len(before) - 1)
        assert review(pilot.app).cursor == 1

        assert await choose(pilot, "Reject") == "Reject (x)"
        assert mentions_of(engine, 1)[1].state == "rejected"


@pytest.mark.usefixtures("demo")
async def test_every_key_of_the_screen_is_a_command(db_url: str) -> None:
    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_text('[keymap]\n"review.accept" = "y,enter"\n', encoding="utf-8")
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        titles = [c.title for c in key_commands(pilot.app.screen)]
        assert "Open (⏎)" in titles or "Open (enter)" in titles, titles
        assert "To do (1)" in titles and "Keys (?)" in titles and "Quit (q)" in titles
        await pilot.press("enter")
        commands = key_commands(pilot.app.screen)
        titles = [c.title for c in commands]
        assert "Accept (y, ⏎)" in titles or "Accept (y, enter)" in titles, titles
        for expected in (
            "Reject (x)",
            "Next (j/↓)",
            "Undo (u)",
            "Redo (U)",
            "Label 2 (2)",
            "Done+next article (d)",
            "Same for all like it (after l: same link) (*)",
            "Back (esc, q)",
        ):
            assert expected in titles, (expected, titles)
        assert len(titles) == len(set(titles))
        assert all(c.help for c in commands)
        # Textual's own commands stay, without duplicates of the keys'.
        system = [c.title for c in pilot.app.get_system_commands(pilot.app.screen)]
        assert "Theme" in system and "Quit" not in system


async def test_disabled_actions_are_not_offered(db_url: str, import_records: Importer) -> None:
    import_records([{"id": "plain", "title": "Plain", "text": "Nothing here."}])
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        titles = [c.title for c in key_commands(pilot.app.screen)]
        assert not any(t.startswith(("Accept", "Reject", "Next (")) for t in titles), titles
        assert any(t.startswith("Undo") for t in titles)
