"""`e` edits a span's boundaries, `m` marks a new span (keys and mouse); `u` undoes both.

Every test drives the real app with Pilot and checks the database afterwards.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from store.config import MIN_SCORE
from store.corpus.articles import get_article
from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.review.mentions import MentionView, list_mentions
from tests.tui.conftest import Importer
from tui.app import make_app
from tui.screens.review import ArticleScreen
from tui.screens.review.span_modes import SpanStatus
from tui.widgets.article_text import ArticleText
from tui.widgets.text_layout import WORD, TextLayout

SIZE = (120, 40)


def mentions_of(engine: Engine, article_id: int) -> list[MentionView]:
    """The article's mentions as stored now."""
    with session_scope(engine) as session:
        return list_mentions(min_score=MIN_SCORE, session=session, article_id=article_id)


def text_of(engine: Engine, article_id: int) -> str:
    with session_scope(engine) as session:
        return get_article(session=session, article_id=article_id).text


def status(screen: ArticleScreen) -> str:
    return str(screen.query_one(SpanStatus).visual)


@pytest.mark.usefixtures("demo")
async def test_e_moves_both_edges_then_enter_stores_and_u_undoes(
    db_url: str, engine: Engine
) -> None:
    text = text_of(engine, 1)
    first = mentions_of(engine, 1)[0]
    assert (first.start, first.end, first.text) == (0, 5, "Rusia")
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        await pilot.press("e")
        assert screen.mode == "edit" and "«Rusia»" in status(screen)
        await pilot.press("w")  # the end edge goes to the end of the next word
        assert "«Rusia akan»" in status(screen)
        await pilot.press("1", "a", "x", "j")  # no decisions and no moves while editing
        await pilot.press("tab", "right", "right")  # the start edge, two characters on
        assert "«sia akan»" in status(screen)
        await pilot.press("tab", "left")  # the end edge, one character back
        others = [(m.id, m.state) for m in mentions_of(engine, 1) if m.id != first.id]
        await pilot.press("enter")
        assert screen.mode is None
        now = mentions_of(engine, 1)
        moved = next(m for m in now if m.id == first.id)
        assert (moved.start, moved.end) == (2, 9)
        assert moved.text == text[2:9] == "sia aka"
        assert moved.state == "accepted"  # the edited span is accepted with its new boundaries
        assert [(m.id, m.state) for m in now if m.id != first.id] == others
        # ... and the focus is on the next pending mention, as after `a`.
        assert screen.current is not None and screen.current.id == now[1].id
        assert now[1].state == "pending"
        await pilot.press("u")  # one step takes back the boundaries and the acceptance
        back = next(m for m in mentions_of(engine, 1) if m.id == first.id)
        assert (back.start, back.end, back.text, back.state) == (0, 5, "Rusia", "pending")
        await pilot.press("U")
        again = next(m for m in mentions_of(engine, 1) if m.id == first.id)
        assert (again.start, again.end, again.state) == (2, 9, "accepted")


@pytest.mark.usefixtures("demo")
async def test_escape_leaves_the_edit_mode_and_changes_nothing(db_url: str, engine: Engine) -> None:
    before = mentions_of(engine, 1)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "e", "w", "w", "tab", "right", "escape")
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen) and screen.mode is None
        assert not screen.query_one(SpanStatus).has_class("-active")
        await pilot.press("a")  # the review keys are back
    after = mentions_of(engine, 1)
    assert [(m.start, m.end) for m in after] == [(m.start, m.end) for m in before]
    assert after[0].state == "accepted"


@pytest.mark.usefixtures("demo")
async def test_m_v_and_a_digit_mark_a_new_mention_and_u_removes_it(
    db_url: str, engine: Engine
) -> None:
    text = text_of(engine, 1)
    before = mentions_of(engine, 1)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "m")
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen) and screen.mode == "mark"
        # The footer and the `?` panel list the mode's keys, not the review keys.
        active = {key: b.binding.action for key, b in screen.active_bindings.items()}
        assert active["v"] == "anchor" and active["2"] == "mark(2)" and active["l"] == "mark(0)"
        assert "a" not in active and "x" not in active and active["escape"] == "leave"
        await pilot.press("w")  # to the next word's start: "akan"
        await pilot.press("v", "w", "ctrl+right")  # select "akan memasok " (up to "drone")
        assert "«akan memasok»" in status(screen)
        await pilot.press("2")  # the schema's second label
        assert screen.mode is None
        now = mentions_of(engine, 1)
        made = [m for m in now if m.id not in {b.id for b in before}]
        assert len(made) == 1
        mention = made[0]  # the space before "drone" is trimmed off
        assert (mention.start, mention.end, mention.text) == (6, 18, text[6:18])
        assert (mention.state, mention.origin, mention.label) == ("accepted", "manual", "ORG")
        # The focus goes on to the next pending mention, as after `a`.
        after = now[now.index(mention) + 1 :]
        expected = next(m for m in after if m.state == "pending")
        assert screen.current is not None and screen.current.id == expected.id
        await pilot.press("u")
        assert [m.id for m in mentions_of(engine, 1)] == [m.id for m in before]
        await pilot.press("U")
        assert mention in mentions_of(engine, 1)


@pytest.mark.usefixtures("demo")
async def test_mark_mode_moves_by_line_keeping_the_column(db_url: str, engine: Engine) -> None:
    text = text_of(engine, 1)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "m")
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        widget = screen.query_one(ArticleText)
        layout = TextLayout(text, widget.size.width)
        await pilot.press("right", "right", "right")
        # Down through a wrapped line, empty lines (column 0) and back to column 3.
        for row in range(1, 6):
            await pilot.press("down")
            assert widget.cursor.position == layout.offset_at(row, 3)
            assert layout.row_of(widget.cursor.position) == row
        assert widget.cursor.position == layout.starts[5] + 3  # the column came back
        await pilot.press("up")
        assert widget.cursor.position == layout.offset_at(4, 3)
        await pilot.press("down", "end")
        assert widget.cursor.position == layout.line_end(5)
        await pilot.press("home", "v", "end", "1")
    made = [m for m in mentions_of(engine, 1) if m.origin == "manual"]
    assert len(made) == 1
    start, end = layout.starts[5], layout.line_end(5)
    assert made[0].text == text[made[0].start : made[0].end] == text[start:end].strip()


TRICKY = "🤔👍🏽 Rusia [bold]x\u0301[/] dan\tKazakhstan 🇰🇬 [link=http://x]Bishkek[/link] שלום."


async def marked(db_url: str, engine: Engine, keys: list[str]) -> tuple[str, MentionView]:
    """Open the only imported article, press `keys`, return its text and its new mention."""
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("end", "enter", *keys)
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        article_id = screen.article.id
    made = mentions_of(engine, article_id)
    assert len(made) == 1, made
    return text_of(engine, article_id), made[0]


async def test_mark_after_emoji_and_combining_marks_lands_on_code_points(
    db_url: str, engine: Engine, import_records: Importer
) -> None:
    prepare_demo(engine, reviewer_id=None)
    import_records([{"id": "tricky", "title": "tricky", "text": TRICKY}])
    # 🤔, 👍🏽 (two code points), space: three steps reach "Rusia" at code point 4.
    text, mention = await marked(db_url, engine, ["m", "right", "right", "right", "v", "w", "1"])
    assert (mention.start, mention.end, mention.text) == (4, 9, "Rusia")
    assert text[mention.start : mention.end] == mention.text


async def test_mark_over_markup_like_text_tabs_flags_and_rtl(
    db_url: str, engine: Engine, import_records: Importer
) -> None:
    prepare_demo(engine, reviewer_id=None)
    import_records([{"id": "tricky", "title": "tricky", "text": TRICKY}])
    # From "[bold]" to the end of "Kazakhstan", across "x" + combining mark and a tab.
    # `w` stops at word starts: 👍🏽, Rusia, "[" of "[bold]"; then on to the flag after
    # "Kazakhstan " (the space is trimmed off when the span is stored).
    start = TRICKY.index("[bold]")
    end = TRICKY.index("Kazakhstan") + len("Kazakhstan")
    flag = [m.start() for m in WORD.finditer(TRICKY) if m.start() > start].index(end + 1) + 1
    keys = ["m", "w", "w", "w", "v", *["w"] * flag, "3"]
    text, mention = await marked(db_url, engine, keys)
    assert (mention.start, mention.end) == (start, end)
    assert mention.text == text[start:end] == "[bold]x\u0301[/] dan\tKazakhstan"
    # Past the flag (two code points) and the link markup to the right-to-left word at the end.
    link_end = TRICKY.index("[/link]") + len("[/link]")
    steps = [m.start() for m in WORD.finditer(TRICKY) if m.start() > start].index(link_end + 1)
    keys = ["m", *["w"] * (steps + 1), "v", "e", "e", "2"]  # `e`: to the end of the word
    text, rtl = await marked_again(db_url, engine, keys)
    assert (rtl.start, rtl.end) == (link_end + 1, link_end + 6)
    assert rtl.text == text[rtl.start : rtl.end] == "שלום."


async def marked_again(db_url: str, engine: Engine, keys: list[str]) -> tuple[str, MentionView]:
    """Like `marked`, for an article that has one mention already."""
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("end", "enter", *keys)
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        article_id = screen.article.id
        first = screen.mentions[0].id if screen.mentions else None
    made = [m for m in mentions_of(engine, article_id) if m.id != first]
    assert made, mentions_of(engine, article_id)
    return text_of(engine, article_id), made[-1]


async def test_mouse_click_and_drag_select_by_cells_not_code_points(
    db_url: str, engine: Engine, import_records: Importer
) -> None:
    prepare_demo(engine, reviewer_id=None)
    import_records([{"id": "tricky", "title": "tricky", "text": TRICKY}])
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("end", "enter")
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        widget = screen.query_one(ArticleText)
        # 🤔 and 👍🏽 are two cells each, then a space: "R" is drawn in cell 5.
        await pilot.click(widget, offset=(5, 0))
        assert screen.mode == "mark" and widget.cursor.position == 4
        await pilot.mouse_down(widget, offset=(5, 0))
        await pilot.hover(widget, offset=(8, 0))
        await pilot.mouse_up(widget, offset=(10, 0))
        assert widget.cursor.selection == (4, 9)
        await pilot.press("1")
        article_id = screen.article.id
    made = mentions_of(engine, article_id)
    assert [(m.start, m.end, m.text, m.origin) for m in made] == [(4, 9, "Rusia", "manual")]


@pytest.mark.usefixtures("demo")
async def test_l_labels_the_selection_with_the_first_label_then_links(
    db_url: str, engine: Engine
) -> None:
    before = {m.id for m in mentions_of(engine, 1)}
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "m", "w", "v", "w", "l")  # "akan ", trimmed
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        labels = screen.labels
        assert screen.mode is None
        made = [m for m in mentions_of(engine, 1) if m.id not in before]
        assert [(m.start, m.end, m.text, m.label, m.origin) for m in made] == [
            (6, 10, "akan", labels[0], "manual")
        ]
        assert screen.current is not None and screen.current.id == made[0].id
        if not hasattr(screen, "action_link"):  # until linking exists, it says so
            assert any("Linking" in str(n.message) for n in pilot.app._notifications)


def row_segments(widget: ArticleText, row: int) -> list[tuple[str, object]]:
    """The text and style of each segment the widget draws on visual `row`."""
    strip = widget.render_line(row)
    return [(segment.text, segment.style) for segment in strip]


@pytest.mark.usefixtures("demo")
async def test_edit_mode_shows_the_span_and_its_active_edge(db_url: str, engine: Engine) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "e", "w")
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        widget = screen.query_one(ArticleText)
        segments = row_segments(widget, 0)
        reversed_text = "".join(t for t, s in segments if getattr(s, "reverse", False))
        edge = [
            t
            for t, s in segments
            if s is not None
            and getattr(s, "bgcolor", None)
            and s.bgcolor.triplet is not None
            and s.bgcolor.triplet.hex == "#ffcc00"
        ]
        assert reversed_text == "Rusia aka" and edge == ["n"]  # the end edge is active
        await pilot.press("tab")
        segments = row_segments(widget, 0)
        edge = [
            t
            for t, s in segments
            if s is not None
            and getattr(s, "bgcolor", None)
            and s.bgcolor.triplet is not None
            and s.bgcolor.triplet.hex == "#ffcc00"
        ]
        assert edge == ["R"]


@pytest.mark.usefixtures("demo")
async def test_the_mark_cursor_is_kept_in_view(db_url: str, engine: Engine) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=(100, 20)) as pilot:
        await pilot.press("enter", "m")
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen)
        body = screen.query_one("#article-body")
        widget = screen.query_one(ArticleText)
        for _ in range(30):
            await pilot.press("down")
        await pilot.pause()
        row = widget.text_layout.row_of(widget.cursor.position)
        assert row >= 25 and body.scroll_y > 0
        assert body.scroll_y <= row < body.scroll_y + body.scrollable_content_region.height
        for _ in range(30):
            await pilot.press("up")
        await pilot.pause()
        assert widget.cursor.position < 10 and body.scroll_y == 0


@pytest.mark.usefixtures("demo")
async def test_undo_of_a_span_edit_and_a_new_span_after_a_restart(
    db_url: str, engine: Engine
) -> None:
    first = mentions_of(engine, 1)[0]
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "e", "w", "enter")  # "Rusia" -> "Rusia akan", accepted
        await pilot.press("k", "m", "w", "w", "v", "e", "1")  # back to it; marks "memasok"
    manual = [m for m in mentions_of(engine, 1) if m.origin == "manual"]
    assert [m.text for m in manual] == ["memasok"]
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # the queue reopens the article where the reviewer stopped
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen) and screen.article.id == 1
        await pilot.press("u")
        assert [m for m in mentions_of(engine, 1) if m.origin == "manual"] == []
        await pilot.press("u")
    back = next(m for m in mentions_of(engine, 1) if m.id == first.id)
    assert (back.start, back.end, back.text) == (first.start, first.end, "Rusia")
    assert back.state == "pending"


@pytest.mark.usefixtures("demo")
async def test_marking_nothing_or_a_decided_span_is_refused_a_candidates_span_accepts_it(
    db_url: str, engine: Engine
) -> None:
    before = mentions_of(engine, 1)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "m", "1")  # no selection yet
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen) and screen.mode == "mark"  # still marking
        messages = [str(n.message) for n in pilot.app._notifications]
        assert any("Select some text first" in m for m in messages)
        await pilot.press("v", "w", "1")  # exactly the first candidate, "Rusia": accepted
        await pilot.pause()
        assert screen.mode is None
        after = mentions_of(engine, 1)
        assert [m.id for m in after] == [m.id for m in before]  # no second mention
        assert (after[0].state, after[0].label) == ("accepted", screen.labels[0])
        assert after[0].entity_key == before[0].entity_key
        await pilot.press("k", "m", "v", "w", "1")  # once decided, the span is refused
        await pilot.pause()
        messages = [str(n.message) for n in pilot.app._notifications]
        assert any("already has these boundaries" in m for m in messages)
        await pilot.press("escape")
    assert mentions_of(engine, 1)[1:] == before[1:]


@pytest.mark.usefixtures("demo")
async def test_tab_in_mark_mode_leaves_it_and_the_review_keys_come_back(
    db_url: str, engine: Engine
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "m", "v", "w", "tab")
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen) and screen.mode is None
        await pilot.press("a")
    assert mentions_of(engine, 1)[0].state == "accepted"
    assert all(m.origin != "manual" for m in mentions_of(engine, 1))
