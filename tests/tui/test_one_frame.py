"""`tui.frames.OneFrame`: what a key changes is drawn in one frame, not two.

Textual draws the widgets that have told the screen they changed by the time its timer ticks;
each tells it from its own task, and a layout's new sizes reach the screen after that frame is
drawn. Traced with the review keys benchmark: `d` drew the next article's title first and its
text, panels and scroll bar ~40 ms later; `e` and `m` (a span mode) and `enter` in the edit
mode drew a second frame for the focus and the scroll bar. Each test counts the frames the real
app draws after one key, on a real SQLite file; each fails with Textual's own frame timing
(the screen without `OneFrame`).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Static

from store.review.candidates import match_articles
from tests.tui.conftest import Importer
from tests.tui.test_review_moves import drawn_ids, on_frames, review, with_sco
from tests.tui.test_review_nav import shown
from tui.app import make_app
from tui.frames import OneFrame
from tui.screens.review import ArticleScreen
from tui.screens.review.span_modes import ArticleBody

SIZE = (120, 40)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until nothing more is drawn (a few of the screen's ticks)."""
    for _ in range(8):
        await pilot.pause(0.02)


async def opened(pilot: Pilot[None]) -> ArticleScreen:
    """The first article of the queue, opened (`enter`) and drawn."""
    await pilot.press("enter")
    await settle(pilot)
    return review(pilot)


@pytest.mark.usefixtures("demo")
async def test_done_draws_the_next_article_in_one_frame(db_url: str) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        assert shown(pilot.app) == 1
        await pilot.press("d")  # pending left: the question, then the yes draws the article
        await settle(pilot)
        frames = on_frames(pilot.app, lambda: drawn_ids(screen))
        await pilot.press("y")
        await settle(pilot)
        assert shown(pilot.app) == 2
        assert len(frames) == 1, frames
        assert {"article-title", "article-text", "mention-panel"} <= frames[0], frames


@pytest.mark.usefixtures("demo")
async def test_a_span_mode_entered_and_left_draws_one_frame_each(db_url: str) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        first = screen.current
        assert first is not None
        frames = on_frames(pilot.app, lambda: drawn_ids(screen))
        for key in ("e", "w", "enter"):  # the edit mode, a word more, saved (and accepted)
            frames.clear()
            await pilot.press(key)
            await settle(pilot)
            assert len(frames) == 1, (key, frames)
        assert screen.current is not None and screen.current.id != first.id


class Grows(OneFrame[None]):
    """A scrolled text that a key makes longer than the screen: its scroll bar appears."""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("one line", id="text")

    def key_x(self) -> None:
        self.query_one("#text", Static).update("\n".join(f"line {n}" for n in range(40)))


class GrowsApp(App[None]):
    def __init__(self, screen: OneFrame[None]) -> None:
        super().__init__()
        self.first = screen
        self.frames = 0

    def on_mount(self) -> None:
        self.push_screen(self.first)

    def _display(self, screen: object, renderable: object) -> None:  # type: ignore[override]
        super()._display(screen, renderable)  # type: ignore[arg-type]
        if renderable is not None and not self._batch_count:
            self.frames += 1


async def test_a_layout_that_shows_a_scroll_bar_is_one_frame() -> None:
    """The text's new height is laid out, and the scroll bar that it brings (asked for by the
    layout itself) is drawn in the same frame."""
    app = GrowsApp(Grows())
    async with app.run_test(size=(40, 10)) as pilot:
        await settle(pilot)
        before = app.frames
        await pilot.press("x")
        await settle(pilot)
        scroll = app.screen.query_one(VerticalScroll)
        assert scroll.show_vertical_scrollbar
        assert app.frames - before == 1, app.frames - before


@pytest.mark.usefixtures("schema_loaded")
async def test_a_decision_that_moves_the_focus_out_of_view_scrolls_in_its_frame(
    db_url: str, engine: Engine, import_records: Importer, reviewer_id: int
) -> None:
    """`a` on the first mention moves the focus to one 60 lines further: the text is scrolled
    to it in the frame that draws the decision (the scroll waited for the next refresh: a
    second frame)."""
    filler = "\n".join(f"Baris {n} berita panjang tanpa nama." for n in range(60))
    name = "Shanghai Cooperation Organisation"
    text = f"{name} bertemu.\n{filler}\nLalu {name} bertemu lagi."
    with_sco(engine, reviewer_id)
    import_records([{"id": "long", "title": "long", "text": text}])
    match_articles(engine)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        assert [m.start for m in screen.mentions] == [0, text.rindex(name)]
        body = screen.query_one(ArticleBody)
        assert body.scroll_y == 0
        frames = on_frames(pilot.app, lambda: body.scroll_y)
        await pilot.press("a")
        await settle(pilot)
        assert screen.current is not None and screen.current.start == text.rindex(name)
        assert len(frames) == 1 and frames[0] > 0, frames
