"""The side panel's list of the article's mentions: a window that follows the focus."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from textual.visual import Visual

from store.review.mentions import MentionView
from tests.tui.test_review import SIZE, mentions_of, panel_text, review
from tui.app import make_app
from tui.widgets.mention_panel import MentionPanel, mention_line, mention_list, window


def fake(index: int, text: str, state: str = "pending") -> MentionView:
    """A mention as the panel receives it."""
    return MentionView(
        index,
        1,
        index * 10,
        index * 10 + len(text),
        text,
        "GPE",
        state,
        "gazetteer",
        None,
        None,
        None,
        None,
        None,
        (),
    )


def test_window_keeps_the_focus_inside() -> None:
    assert window(5, 3, 10) == range(5)
    for focused in (0, 1, 50, 98, 99):
        shown = window(100, focused, 12)
        assert len(shown) == 12 and focused in shown
    assert window(100, 99, 12) == range(88, 100)


def test_a_line_is_one_line_and_fits() -> None:
    line = mention_line(
        fake(1, "Jakarta\tutara\nbaru " * 5, "accepted"), "#ff0000", focused=True, width=30
    )
    assert "\n" not in line.plain and "\t" not in line.plain
    assert line.cell_length <= 30 and line.plain.startswith("▸✓ Jakarta utara")
    assert line.plain.endswith("… GPE")


def test_list_names_its_window() -> None:
    mentions = [fake(i, f"name{i}") for i in range(40)]
    text = mention_list(mentions, 30, {}, rows=10, width=40).plain
    assert text.splitlines()[0] == "Mentions 28–37 of 40"
    assert "▸· name30 GPE" in text and "name26" not in text and "name37" not in text


@pytest.mark.usefixtures("demo")
async def test_panel_lists_the_mentions_around_the_focus(db_url: str, engine: Engine) -> None:
    mentions = mentions_of(engine, 1)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        for _ in range(3):
            await pilot.press("j")
        await pilot.pause()
        assert review(pilot.app).cursor == 3
        lines = panel_text(pilot.app).splitlines()
        focused = [line for line in lines if line.startswith("▸")]
        assert len(focused) == 1 and mentions[3].text.split()[0] in focused[0]
        listed = lines[lines.index(next(x for x in lines if x.startswith("Mentions"))) + 1 :]
        assert listed[0].endswith(mentions[0].label) and mentions[0].text.split()[0] in listed[0]


@pytest.mark.usefixtures("demo")
async def test_rows_redrawn_in_part_are_those_of_a_whole_drawing(db_url: str) -> None:
    """The panel repaints only the rows that changed: after each key, what the screen shows
    of it is what drawing its whole content at once gives (no row left stale)."""
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        for key in ("j", "a", "x", "j", "j", "k", "a", "J", "u"):
            await pilot.press(key)
            await pilot.pause()
            panel = review(pilot.app).query_one(MentionPanel)
            region = panel.content_region
            screen = pilot.app.screen._compositor.render_strips()
            shown = [
                screen[y].crop(region.x, region.right).text.rstrip()
                for y in range(region.y, region.bottom)
            ]
            whole = Visual.to_strips(
                panel, panel.visual, region.width, region.height, panel.visual_style
            )
            drawn = [strip.text.rstrip() for strip in whole]
            drawn += [""] * (region.height - len(drawn))
            assert shown == drawn, key
