"""Fewer keys per gold mention (issue 13, point 4): what moves on by itself, the bulk relink,
and the mark mode's word and name keys.

Each test drives the real app with Pilot on a real SQLite file and checks the database and
where the focus is afterwards. (A link moving on: `test_review_link.py`; a span edit accepting
and moving on: `test_review_spans.py`.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from textual.app import App
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from store.config import MIN_SCORE
from store.db import session_scope
from store.gazetteer.entities import create_entity
from store.review.mentions import MentionView, list_mentions
from tests.tui.conftest import Importer
from tests.tui.panels import picker
from tui.app import make_app
from tui.screens.review import ArticleScreen
from tui.screens.review.span_modes import SpanStatus
from tui.widgets.article_text import ArticleText
from tui.widgets.footer import QuietFooter

SIZE = (120, 40)
NAMES = (
    "Delegasi Shanghai Cooperation Organization (SCO) tiba di Bishkek.\n"
    "Menurut Ministry of Defence of the Russian Federation, Rusia dan Kyrgyzstan setuju."
)
SCO = (NAMES.index("Shanghai"), NAMES.index(" (SCO)"))
MOD = (NAMES.index("Ministry"), NAMES.index(", Rusia"))


def mentions_of(engine: Engine, article_id: int = 1) -> list[MentionView]:
    """The article's mentions as stored now."""
    with session_scope(engine) as session:
        return list_mentions(min_score=MIN_SCORE, session=session, article_id=article_id)


def review(pilot: Pilot[None]) -> ArticleScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ArticleScreen)
    return screen


def status(screen: ArticleScreen) -> str:
    return str(screen.query_one(SpanStatus).visual)


def with_sco(engine: Engine, reviewer_id: int) -> None:
    """The gazetteer's Shanghai Cooperation Organisation (ORG, key SCO)."""
    with session_scope(engine) as session:
        create_entity(
            session=session,
            key="SCO",
            name="Shanghai Cooperation Organisation",
            type="ORG",
            reviewer_id=reviewer_id,
        )


def on_frames(app: App[None], note: Callable[[], object]) -> list[Any]:
    """From now on, `note()` at every frame the app draws, in the returned list."""
    frames: list[Any] = []
    display = app._display

    def noted(where: object, renderable: object) -> None:
        display(where, renderable)  # type: ignore[arg-type]
        if renderable is not None and not app._batch_count:
            frames.append(note())

    app._display = noted  # type: ignore[method-assign,assignment]
    return frames


def drawn_ids(screen: ArticleScreen) -> set[str]:
    """The ids (else class names) of the widgets the frame being drawn repaints."""
    return {w.id or type(w).__name__ for w in screen._dirty_widgets}


@pytest.mark.usefixtures("demo")
async def test_star_decides_all_like_it_and_moves_to_the_next_pending(
    db_url: str, engine: Engine
) -> None:
    before = mentions_of(engine)
    rusia = [m.id for m in before if m.text == "Rusia" and m.entity_key == "RU"]
    assert before[0].id == rusia[0] and before[1].text == "S-300" and len(rusia) > 5
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "asterisk")
        screen = review(pilot)
        after = mentions_of(engine)
        assert [m.id for m in after if m.state == "accepted"] == rusia
        assert all(m.state == "pending" for m in after if m.id not in rusia)
        # No `J` needed: the focus is on the next pending mention, as after `a`.
        assert screen.current is not None and screen.current.id == before[1].id
        await pilot.press("a")  # and the next key decides it
    assert next(m for m in mentions_of(engine) if m.id == before[1].id).state == "accepted"


async def link_in_picker(pilot: Pilot[None], typed: str) -> None:
    """`l` is pressed: wait for the entity index, type `typed` in the picker, `enter`."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    picker(pilot.app)
    await pilot.press(*typed, "enter")
    await pilot.pause()


@pytest.mark.usefixtures("demo")
async def test_star_right_after_a_link_gives_the_link_to_the_mentions_like_it(
    db_url: str, engine: Engine
) -> None:
    before = mentions_of(engine)
    kyrgyzstan = [m.id for m in before if m.text == "Kyrgyzstan" and m.entity_key == "KG"]
    linked = before[6]
    assert (linked.id, linked.text) == (kyrgyzstan[1], "Kyrgyzstan")
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", *"jjjjjj", "l")
        await link_in_picker(pilot, "kazakhstan")
        screen = review(pilot)
        assert screen.current is not None and screen.current.id == before[7].id  # moved on
        await pilot.press("asterisk")
        after = {m.id: m for m in mentions_of(engine)}
        # Every other pending "Kyrgyzstan" of KG now links to KZ, accepted, as GPE; other
        # spellings ("Kirgistan", "Republik Kyrgyzstan") and the focused mention are untouched.
        assert [(after[i].entity_key, after[i].state) for i in kyrgyzstan] == [
            ("KZ", "accepted")
        ] * len(kyrgyzstan)
        changed = {m.id for m in before if after[m.id] != m}
        assert changed == set(kyrgyzstan)
        assert after[before[7].id].state == "pending"
        assert screen.current is not None and screen.current.id == before[7].id
        more = f"linked {len(kyrgyzstan) - 1} more"
        assert any(more in str(n.message) for n in pilot.app._notifications)
        await pilot.press("u")  # one step takes the bulk relink back, the link itself stays
        undone = {m.id: m for m in mentions_of(engine)}
        assert [undone[i].entity_key for i in kyrgyzstan] == [
            "KZ" if i == linked.id else "KG" for i in kyrgyzstan
        ]
        assert undone[linked.id].state == "accepted"


@pytest.mark.usefixtures("demo")
async def test_star_after_another_key_is_the_usual_star(db_url: str, engine: Engine) -> None:
    before = mentions_of(engine)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", *"jjjjjj", "l")
        await link_in_picker(pilot, "kazakhstan")
        await pilot.press("k", "j", "asterisk")  # on S-300 again, after moving: not a relink
    after = {m.id: m for m in mentions_of(engine)}
    assert all(after[m.id].entity_key == "KG" for m in before[7:] if m.text == "Kyrgyzstan")
    s300 = [m.id for m in before if m.text == "S-300"]
    assert all(after[i].state == "accepted" for i in s300[1:])


@pytest.mark.usefixtures("schema_loaded")
async def test_w_goes_to_word_starts_and_n_selects_the_name_in_capitals(
    db_url: str, engine: Engine, import_records: Importer
) -> None:
    import_records([{"id": "names", "title": "names", "text": NAMES}])
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "m")
        screen = review(pilot)
        widget = screen.query_one(ArticleText)
        assert widget.cursor.position == 0
        await pilot.press("w")  # vim's `w`: the next word's start
        assert widget.cursor.position == SCO[0]
        await pilot.press("n")  # one key: the whole name, from "Shanghai"
        assert widget.cursor.selection == SCO
        assert "«Shanghai Cooperation Organization»" in status(screen)
        await pilot.press("2")
        made = mentions_of(engine)
        assert [(m.start, m.end, m.text, m.label, m.state) for m in made] == [
            (*SCO, "Shanghai Cooperation Organization", "ORG", "accepted")
        ]
        # The next line, same column: inside "Ministry". `n` stops before "of" (one
        # capitalised word before it: two names as often as one), `n` again goes on across
        # it, and across "of the" too now that both sides have two capitalised words.
        await pilot.press("m", "down", "n")
        assert widget.cursor.selection == (MOD[0], MOD[0] + len("Ministry"))
        await pilot.press("n")
        assert widget.cursor.selection == MOD
        await pilot.press("2")
    assert [(m.start, m.end, m.text) for m in mentions_of(engine)][1] == (
        *MOD,
        "Ministry of Defence of the Russian Federation",
    )


@pytest.mark.usefixtures("schema_loaded")
async def test_l_in_mark_mode_links_the_span_with_the_label_of_the_entity(
    db_url: str, engine: Engine, import_records: Importer, reviewer_id: int
) -> None:
    import_records([{"id": "names", "title": "names", "text": NAMES}])
    with_sco(engine, reviewer_id)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "m", "w", "n", "l")
        await link_in_picker(pilot, "shanghai")
        screen = review(pilot)
        assert screen.labels[0] == "PERSON"  # what a marked span to link starts with
        [made] = mentions_of(engine)
        assert (made.start, made.end) == SCO
        assert (made.entity_key, made.label, made.state, made.origin) == (
            "SCO",
            "ORG",
            "accepted",
            "manual",
        )
        assert screen.current is not None and screen.current.id == made.id


@pytest.mark.usefixtures("schema_loaded")
async def test_every_frame_shows_the_mode_line_with_the_mode(
    db_url: str, import_records: Importer
) -> None:
    """The mode's status line is drawn in the frame that draws the mode: shown with the
    cursor (`m`), changed with a move, hidden with the picker that `l` opens (a line shown or
    hidden a frame later was a second layout of the screen)."""
    import_records([{"id": "names", "title": "names", "text": NAMES}])
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = review(pilot)
        app = pilot.app
        line, text = screen.query_one(SpanStatus), screen.query_one(ArticleText)
        # Each frame: the mode, the line laid out (in the compositor's last layout, not only
        # told to show), its text.
        frames = on_frames(
            app, lambda: (text.cursor.mode, line in screen._compositor, str(line.visual))
        )
        for key in ("m", "w", "n", "l"):
            frames.clear()
            await pilot.press(key)
            await pilot.pause()
            assert frames, key
            for mode, shown, _status in frames:
                assert shown == (mode is not None), (key, frames)
            if key == "n":
                assert "Shanghai Cooperation Organization" in frames[0][2], frames
        assert screen.linking and text.cursor.mode is None


@pytest.mark.usefixtures("schema_loaded")
async def test_the_picker_shown_again_draws_its_results_in_its_first_frame(
    db_url: str, engine: Engine, import_records: Importer, reviewer_id: int
) -> None:
    """The picker is built at the first `l` and hidden between links; shown again, its result
    list (Textual's option list, measured and cleared when shown) is drawn in the first frame
    and not again in a second one (`tui.widgets.link_picker.ResultList`)."""
    import_records([{"id": "names", "title": "names", "text": NAMES}])
    with_sco(engine, reviewer_id)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter", "m", "w", "n", "l")  # the picker, built
        await pilot.pause()
        screen = review(pilot)
        assert screen.linking
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.linking and screen.current is not None
        app = pilot.app
        frames = on_frames(app, lambda: drawn_ids(screen))  # the widgets each frame drew
        for _ in range(2):  # shown again, twice
            frames.clear()
            await pilot.press("l")
            await pilot.pause()
            assert screen.linking and frames
            assert "link-results" in frames[0], frames
            assert not any("link-results" in later for later in frames[1:]), frames
            await pilot.press("escape")
            await pilot.pause()


@pytest.mark.usefixtures("demo")
async def test_a_span_mode_does_not_rebuild_the_footer(db_url: str) -> None:
    """Entering and leaving a mode used to recompose the footer twice (most of its 0.2-0.3 s):
    the mode's status line covers the footer meanwhile (the footer stays, not rebuilt), and
    the footer's keys are the same widgets before and after."""
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = review(pilot)
        footer = screen.query_one(QuietFooter)
        keys = list(footer.query(FooterKey))
        assert keys and footer.display
        await pilot.press("m")
        await pilot.pause()
        status = screen.query_one(SpanStatus)
        assert screen.mode == "mark" and status.display
        assert screen.get_widget_at(1, SIZE[1] - 1)[0] is status  # over the footer's line
        await pilot.press("w", "escape", "e", "tab", "escape")
        await pilot.pause()
        assert screen.mode is None and footer.display and not status.display
        assert screen.get_widget_at(1, SIZE[1] - 1)[0] in (footer, *keys)
        assert list(footer.query(FooterKey)) == keys


@pytest.mark.usefixtures("demo")
async def test_the_next_article_is_drawn_without_repainting_the_whole_screen(
    db_url: str,
) -> None:
    """`n` shows the next article's number in the header (the screen's `sub_title`) without
    marking the whole screen for repaint, as Textual's own `sub_title` did at every article."""
    from textual.screen import Screen
    from textual.widgets._header import HeaderTitle

    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = review(pilot)
        whole: list[Screen[object]] = []
        set_dirty = screen._set_dirty

        def noted(*regions: object) -> None:
            if not regions:
                whole.append(screen)
            set_dirty(*regions)  # type: ignore[arg-type]

        screen._set_dirty = noted  # type: ignore[method-assign]
        await pilot.press("n")
        await pilot.pause()
        assert screen.article.id == 2 and screen.sub_title == "article 2"
        assert "article 2" in str(screen.query_one(HeaderTitle).render())
        assert whole == []
