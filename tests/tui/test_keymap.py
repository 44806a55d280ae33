"""The keymap of the config file drives the keys, the footer and the `?` panel."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from sqlalchemy import Engine
from textual.app import App
from textual.widgets import Footer
from textual.widgets._footer import FooterKey
from textual.widgets._key_panel import BindingsTable

from store.config import MIN_SCORE, load_config
from store.db import session_scope
from store.paths import config_file
from store.review.mentions import MentionView, list_mentions
from tui.app import make_app
from tui.commands import app_bindings
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


def write_config(text: str) -> None:
    """The test's config file (its folder is TELAAH_CONFIG_DIR)."""
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def footer_keys(app: App[None]) -> dict[str, str]:
    """What the footer shows: key as displayed -> description."""
    footer = app.screen.query_one(Footer)
    return {key.key_display: key.description for key in footer.query(FooterKey)}


def help_lines(app: App[None]) -> list[str]:
    """The `?` panel's rows, as plain text."""
    table = app.screen.query_one(BindingsTable)
    console = Console(width=60, file=io.StringIO(), color_system=None)
    console.print(table.render())
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return [" ".join(line.split()) for line in output.splitlines()]


@pytest.mark.usefixtures("demo")
async def test_remapped_keys_decide_and_show(db_url: str, engine: Engine) -> None:
    write_config('[keymap]\n"review.accept" = "y"\n"review.reject" = "n,delete"\n')
    before = mentions_of(engine, 1)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        screen = review(pilot.app)
        await pilot.pause()
        shown = footer_keys(pilot.app)
        assert shown.get("y") == "Accept" and shown.get("n") == "Reject"
        assert "a" not in shown and "x" not in shown

        await pilot.press("a", "x")  # the old keys do nothing now
        assert [m.state for m in mentions_of(engine, 1)] == [m.state for m in before]
        assert screen.cursor == 0

        await pilot.press("y")
        assert mentions_of(engine, 1)[0].state == "accepted"
        await pilot.press("delete")
        assert mentions_of(engine, 1)[1].state == "rejected"
        await pilot.press("n")
        assert mentions_of(engine, 1)[2].state == "rejected"
        assert [m.state for m in mentions_of(engine, 1)[3:]] == ["pending"] * (len(before) - 3)

        await pilot.press("question_mark")
        await pilot.pause()
        lines = help_lines(pilot.app)
        assert "y Accept" in lines
        assert "n delete Reject" in lines or "n del Reject" in lines, lines
        assert "a Accept" not in lines and "x Reject" not in lines


@pytest.mark.usefixtures("demo")
async def test_config_problems_are_notified_and_the_rest_applies(db_url: str) -> None:
    write_config('[keymap]\n"review.acept" = "y"\n"app.help" = "f1"\n')
    app = make_app(db_url, reviewer="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        messages = [n.message for n in pilot.app._notifications]
        assert len(messages) == 1
        assert messages[0].startswith(f"{config_file()}:2: unknown binding id 'review.acept'")
        assert footer_keys(pilot.app).get("f1") == "Keys"
        await pilot.press("f1")
        await pilot.pause()
        assert pilot.app.screen.query(BindingsTable)


def test_keymap_ids_exist_in_the_app() -> None:
    write_config('[keymap]\n"review.accept" = "y"\n')
    config = load_config()
    app_problems_before = list(config.problems)
    ids = {info.id for info in app_bindings()}
    assert {"review.accept", "review.reject", "app.quit", "articles.open"} <= ids
    assert app_problems_before == []


@pytest.mark.usefixtures("demo")
async def test_a_key_taken_from_another_action_is_reported(db_url: str, engine: Engine) -> None:
    write_config('[keymap]\n"review.accept" = "x"\n')
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.press("x")
        assert mentions_of(engine, 1)[0].state == "accepted"
        await pilot.pause()
        messages = [n.message for n in pilot.app._notifications]
        assert messages == [
            f"{config_file()}:2: 'x' for review.accept takes the key of "
            "review.reject (Reject), which loses it"
        ]
        await pilot.press("x")
        assert mentions_of(engine, 1)[1].state == "accepted"
