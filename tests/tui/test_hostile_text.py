"""No escape sequence reaches the terminal: every screen draws hostile data as visible marks.

`tests.hostile.plant` writes an OSC 52 clipboard write, `ESC[2J`, RLO, LRI, a lone CR, BEL and a
C1 CSI into every field a screen shows. Each screen (and dialogue) is drawn and every line the
app would write is read back: no control character (newline and tab aside: a drawn line holds
neither), no C1 and no bidi control may be in it, and the marks (`␛[2J`, `\\u202e`) must be, so
the reviewer sees what is stored. The article text keeps one drawn cell per stored code point.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.segment import Segment
from sqlalchemy import Engine
from textual.app import App
from textual.content import Content

from store.corpus.articles import get_article
from store.db import session_scope
from store.ingest.articles import import_articles
from store.review.candidates import match_articles
from store.review.concordance import concordance
from store.review.mentions import list_mentions
from tests.hostile import HOSTILE, SHOWN_ESC, SHOWN_RLO, Planted, forbidden, plant
from tui.app import make_app
from tui.safety import TerminalSafe
from tui.screens.concordance import ConcordanceScreen, kwic
from tui.screens.facts import FactsScreen
from tui.screens.gazetteer import GazetteerScreen
from tui.screens.lint import LintScreen
from tui.screens.review import ArticleScreen
from tui.widgets.article_text import ArticleText

SIZE = (160, 50)


def drawn(app: App[None]) -> str:
    """Every line of the screen (dialogues and notifications included) as the app writes it."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def assert_safe(app: App[None], *marks: str) -> str:
    """The screen holds no forbidden code point, and shows every one of `marks`."""
    screen = drawn(app)
    assert forbidden(screen) == [], type(app.screen).__name__
    for mark in marks:
        assert mark in screen, (type(app.screen).__name__, mark, screen)
    return screen


@pytest.fixture
def planted(engine: Engine, reviewer_id: int) -> Planted:
    return plant(engine, reviewer_id)


async def test_every_screen_shows_hostile_data_as_marks(db_url: str, planted: Planted) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        app = pilot.app
        await pilot.pause()
        assert_safe(app, SHOWN_ESC)  # the article list: title and source

        await pilot.press("enter")  # article 1, its first mention (Rusia, of RU) focused
        await pilot.pause()
        assert isinstance(app.screen, ArticleScreen) and app.screen.article.id == 1
        review = assert_safe(app, SHOWN_ESC, SHOWN_RLO)
        assert review.count(SHOWN_ESC) >= 5, review  # title, meta, entity, alias, note, attr

        await pilot.press("F")  # the facts panel, the fact with the hostile note
        await pilot.pause()
        assert_safe(app, SHOWN_ESC)
        await pilot.press("F")

        await pilot.press("l")  # the link dialogue: its suggestions name RU
        await pilot.pause()
        assert_safe(app, SHOWN_ESC)
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("o")  # the concordance of RU
        await pilot.pause()
        assert isinstance(app.screen, ConcordanceScreen)
        assert_safe(app)  # its contexts are article text: see the next test
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("ctrl+f")  # every fact: fillers named by entity, the note
        await pilot.pause()
        assert isinstance(app.screen, FactsScreen)
        assert_safe(app, SHOWN_ESC)
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("g")  # the gazetteer: RU found by an alias, its record
        await pilot.pause()
        assert isinstance(app.screen, GazetteerScreen)
        await pilot.press("slash", *"Federasi Rusia", "enter")
        await pilot.pause()
        assert app.screen.current is not None and app.screen.current.key == "RU"
        record = assert_safe(app, SHOWN_ESC, SHOWN_RLO)
        assert record.count(SHOWN_ESC) >= 4, record  # list, name, about, alias (and added by)

        await pilot.press("r")  # rename: the question and the input hold the name
        await pilot.pause()
        assert_safe(app)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("D")  # delete: refused or asked, either way naming RU
        await pilot.pause()
        assert_safe(app, SHOWN_ESC)
        if app.screen is not None and not isinstance(app.screen, GazetteerScreen):
            await pilot.press("n")
            await pilot.pause()

        await pilot.press("L")  # lint findings name entities and aliases
        await pilot.pause()
        assert isinstance(app.screen, LintScreen)
        assert_safe(app)
        await pilot.press("escape")
        await pilot.pause()


async def test_a_hostile_reviewer_name_and_notifications_are_shown_as_marks(
    db_url: str, planted: Planted
) -> None:
    async with make_app(db_url, reviewer=HOSTILE).run_test(size=SIZE) as pilot:
        app = pilot.app
        await pilot.pause()
        assert_safe(app, SHOWN_RLO)  # the header's sub-title is the reviewer
        app.notify(HOSTILE, title=HOSTILE, markup=False)
        await pilot.pause()
        assert_safe(app, SHOWN_ESC)


BIDI_TEXT = (
    "Rusia \u202eKazakhstan\u202c dan \u2066Astana\u2069 bertemu.\u200b Lalu "
    "Kyrgyzstan\u200f, Rusia lagi. 👩\u200d👩\u200d👧 Astana"
)


async def test_article_text_keeps_one_cell_per_code_point(
    db_url: str, engine: Engine, reviewer_id: int, tmp_path: Path
) -> None:
    """Bidi and invisible characters in article text are stored as they came and drawn as one
    `�` each: the text as drawn is as long as the stored text, and every highlight sits on
    its mention."""
    from store.corpus.demo import prepare_demo

    prepare_demo(engine, reviewer_id=reviewer_id)
    path = tmp_path / "bidi.jsonl"
    path.write_text(
        '{"id": "bidi", "title": "bidi", "text": "' + BIDI_TEXT.replace('"', '\\"') + '"}\n',
        encoding="utf-8",
    )
    assert import_articles(engine, [path], reviewer_id=reviewer_id).imported == 1
    with session_scope(engine) as session:
        article = get_article(session=session, external_id="bidi")
    assert article.text == BIDI_TEXT  # stored as it came
    match_articles(engine, article_ids=[article.id])
    with session_scope(engine) as session:
        mentions = list_mentions(session=session, article_id=article.id)
    assert {"Rusia", "Kazakhstan", "Astana", "Kyrgyzstan"} <= {m.text for m in mentions}
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("end", "enter")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ArticleScreen) and screen.article.id == article.id
        widget = screen.query_one(ArticleText)
        content = widget.visual
        assert isinstance(content, Content)
        assert len(content.plain) == len(article.text)
        for mention in mentions:
            assert content.plain[mention.start : mention.end] == mention.text
            assert any((s.start, s.end) == (mention.start, mention.end) for s in content.spans)
        # Every bidi and invisible character is one mark; the emoji's joiners are kept.
        assert content.plain.count("�") == 6
        assert "👩\u200d👩\u200d👧" in content.plain
        first = "".join(
            segment.text
            for segment in widget.render_line(0)
            if isinstance(segment, Segment) and segment.text
        )
        assert first.startswith("Rusia �Kazakhstan� dan �Astana� bertemu.� Lalu"), first
        assert_safe(pilot.app, "�Kazakhstan�")
        await pilot.press("o")  # the concordance of Russia: contexts drawn the same way
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConcordanceScreen)
        assert_safe(pilot.app)
    with session_scope(engine) as session:
        groups = concordance(session=session, key="RU")
    lines = [line for g in groups for line in g.lines if line.article_id == article.id]
    assert lines
    for line in lines:
        drawn_line = kwic(line, 150).plain
        assert forbidden(drawn_line) == [] and "�" in drawn_line, drawn_line


def test_the_safety_filter_removes_what_a_widget_failed_to_mark() -> None:
    """The app's last filter: terminal-active code points out, marks and text kept."""
    from textual.color import Color

    segments = [Segment("a\x1b[2Jb"), Segment("ok ␛ 👩\u200d👩"), Segment("\u202ex\x9b\r")]
    cleaned = TerminalSafe().apply(segments, Color(0, 0, 0))
    assert [s.text for s in cleaned] == ["a[2Jb", "ok ␛ 👩\u200d👩", "x"]
    clean = [Segment("nothing to do")]
    assert TerminalSafe().apply(clean, Color(0, 0, 0)) is clean
