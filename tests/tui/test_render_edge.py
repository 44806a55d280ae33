"""Article text that breaks naive tools renders exactly as stored, highlights on the right cells.

Markup-like text, ANSI escapes (stripped at import: what is stored is shown), tabs, right-to-left
scripts, combining marks and emoji (ZWJ sequences, skin tones, flags) before a mention.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rich.segment import Segment
from sqlalchemy import Engine
from textual.app import App
from textual.content import Content
from textual.geometry import Region

from store.config import MIN_SCORE
from store.corpus.articles import ArticleView, get_article
from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.review.candidates import match_articles
from store.review.mentions import MentionView, list_mentions
from tests.tui.conftest import Importer
from tui.app import make_app
from tui.screens.review import ArticleScreen
from tui.widgets.article_table import ArticleTable
from tui.widgets.article_text import ArticleText

SIZE = (140, 50)  # wide enough that no paragraph wraps: row n of the widget is paragraph n
PARAGRAPHS = [
    "[bold]Rusia[/bold] dan [link=http://x]Kazakhstan[/link] [/] [/bold] [red]tidak[/]",
    "\x1b[31m Astana \x1b[0m dan \x1b]8;;http://x\x1b\\tautan\x1b]8;;\x1b\\ ANSI",
    "Rusia\tdan\tKyrgyzstan\tbertemu",
    "روسيا Rusia و שלום Kazakhstan עברית",
    "q\u0307 n\u0334 Cafe\u0301 x\u0323\u0307 Rusia",
    "👩\u200d👩\u200d👧\u200d👦🤔👍🏽🇰🇿 Kazakhstan 🙂 Astana",
]
TITLE = "[b]T[/b] [/] [link=http://x]L[/link] 🤔"


@dataclass
class Cell:
    """One code point as drawn: the character and whether it is reversed / underlined."""

    char: str
    reverse: bool
    underline: bool
    bold: bool
    link: bool


def rows(widget: ArticleText) -> list[list[Cell]]:
    """The widget's rendered rows, code point by code point with the style drawn."""
    width, height = widget.size
    drawn = []
    for strip in widget.render_lines(Region(0, 0, width, height)):
        cells = []
        for segment in strip:
            assert isinstance(segment, Segment)
            style = segment.style
            for char in segment.text:
                cells.append(
                    Cell(
                        char,
                        bool(style and style.reverse),
                        bool(style and style.underline),
                        bool(style and style.bold),
                        bool(style and style.link),
                    )
                )
        drawn.append(cells)
    return drawn


def row_text(cells: list[Cell]) -> str:
    """A rendered row as text, trailing padding removed."""
    return "".join(cell.char for cell in cells).rstrip(" ")


def expected_row(paragraph: str) -> str:
    """How a stored paragraph is drawn: tabs expanded to 8-cell stops (all before are 1 cell)."""
    return paragraph.expandtabs(8) if "\t" in paragraph else paragraph


@pytest.fixture
def tricky(engine: Engine, import_records: Importer) -> tuple[ArticleView, list[MentionView]]:
    """The sample gazetteer, and one article of tricky paragraphs, matched."""
    prepare_demo(engine, reviewer_id=None)
    import_records([{"id": "tricky", "title": TITLE, "text": "\n".join(PARAGRAPHS)}])
    with session_scope(engine) as session:
        article = get_article(session=session, external_id="tricky")
    match_articles(engine, article_ids=[article.id])
    with session_scope(engine) as session:
        mentions = list_mentions(min_score=MIN_SCORE, session=session, article_id=article.id)
    return article, mentions


def review(app: App[None]) -> ArticleScreen:
    """The review screen, which must be the one showing."""
    assert isinstance(app.screen, ArticleScreen)
    return app.screen


def test_what_is_stored(tricky: tuple[ArticleView, list[MentionView]]) -> None:
    article, mentions = tricky
    stored = article.text.split("\n")
    assert len(stored) == len(PARAGRAPHS)
    # The importer drops control characters (ESC) and composes to NFC; nothing else changes.
    assert "\x1b" not in article.text
    assert stored[1] == "[31m Astana [0m dan ]8;;http://x\\tautan]8;;\\ ANSI"
    assert "Café" in stored[4] and "q\u0307" in stored[4] and "n\u0334" in stored[4]
    assert stored[0] == PARAGRAPHS[0] and stored[2] == PARAGRAPHS[2]
    assert stored[3] == PARAGRAPHS[3] and stored[5] == PARAGRAPHS[5]
    for mention in mentions:
        assert article.text[mention.start : mention.end] == mention.text
    texts = [m.text for m in mentions]
    # One mention at least in every paragraph, emoji and combining marks before some.
    for paragraph in stored:
        assert any(paragraph.find(text) >= 0 for text in texts), paragraph
    assert {"Rusia", "Kazakhstan", "Astana", "Kyrgyzstan"} <= set(texts)


async def test_text_renders_as_stored_and_highlights_land_on_the_mentions(
    db_url: str, tricky: tuple[ArticleView, list[MentionView]]
) -> None:
    article, mentions = tricky
    stored = article.text.split("\n")
    line_starts = [sum(len(p) + 1 for p in stored[:i]) for i in range(len(stored))]

    def paragraph_of(mention: MentionView) -> int:
        return max(i for i, start in enumerate(line_starts) if start <= mention.start)

    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("end", "enter")
        screen = review(pilot.app)
        assert screen.article.id == article.id
        widget = screen.query_one(ArticleText)
        content = widget.visual
        assert isinstance(content, Content)
        assert content.plain == article.text
        for mention in mentions:
            assert any(
                (s.start, s.end) == (mention.start, mention.end) and s.style for s in content.spans
            ), mention

        for index, mention in enumerate(mentions):
            assert screen.cursor == index
            drawn = rows(widget)
            assert [row_text(row) for row in drawn[: len(stored)]] == [
                expected_row(p) for p in stored
            ]
            assert all(not row for row in map(row_text, drawn[len(stored) :]))
            # The focused mention, and only it, in reverse video, on its own row.
            reversed_rows = {
                n: "".join(c.char for c in row if c.reverse) for n, row in enumerate(drawn)
            }
            assert {n: t for n, t in reversed_rows.items() if t} == {
                paragraph_of(mention): mention.text
            }
            # Every other mention underlined (pending): nothing else on screen is.
            for n in range(len(stored)):
                others = [m.text for m in mentions if m is not mention and paragraph_of(m) == n]
                underlined = "".join(c.char for c in drawn[n] if c.underline and not c.reverse)
                assert underlined == "".join(others), (n, underlined, others)
            # Markup-like text is never styled by its "tags".
            assert not any(c.link for row in drawn for c in row)
            assert not any(c.bold and not c.reverse for row in drawn for c in row)
            await pilot.press("j")


async def test_queue_shows_markup_titles_literally(
    db_url: str, tricky: tuple[ArticleView, list[MentionView]]
) -> None:
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        table = pilot.app.screen.query_one(ArticleTable)
        await pilot.press("end")
        await pilot.pause()
        width, height = table.size
        lines = [
            "".join(s.text for s in strip)
            for strip in table.render_lines(Region(0, 0, width, height))
        ]
        assert any(TITLE in line for line in lines), lines
        screen_text = "\n".join(lines)
        assert "[/]" in screen_text and "[link=http://x]" in screen_text
