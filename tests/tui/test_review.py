"""The review screen driven by Pilot on real databases; every decision is checked in the store."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from textual.app import App
from textual.content import Content
from textual.geometry import Region

from store.config import MIN_SCORE
from store.corpus.articles import get_article
from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.models import Mention
from store.review.candidates import match_articles
from store.review.mentions import MentionView, list_mentions
from tests.tui.conftest import Importer
from tui.app import make_app
from tui.screens.articles import ArticlesScreen
from tui.screens.review import ArticleScreen
from tui.widgets.article_text import ArticleText
from tui.widgets.mention_panel import MentionPanel

SIZE = (120, 40)


def mentions_of(engine: Engine, article_id: int) -> list[MentionView]:
    """The article's mentions as stored now (a fresh session, nothing cached)."""
    with session_scope(engine) as session:
        return list_mentions(min_score=MIN_SCORE, session=session, article_id=article_id)


def review(app: App[None]) -> ArticleScreen:
    """The review screen, which must be the one showing."""
    screen = app.screen
    assert isinstance(screen, ArticleScreen)
    return screen


def panel_text(app: App[None]) -> str:
    """What the mention panel shows, without styles."""
    visual = review(app).query_one(MentionPanel).visual
    assert isinstance(visual, Content)
    return visual.plain


def assert_focus_on(app: App[None], index: int, mentions: list[MentionView]) -> None:
    """The cursor is on mention `index` and the panel shows that mention."""
    assert review(app).cursor == index
    text = panel_text(app)
    assert f"Mention {index + 1} of {len(mentions)}" in text
    assert f"text   {mentions[index].text}" in text
    assert f"state  {review(app).mentions[index].state}" in text


@pytest.mark.usefixtures("demo")
async def test_keys_decide_and_move(db_url: str, engine: Engine, reviewer_id: int) -> None:
    before = mentions_of(engine, 1)
    assert len(before) > 8 and all(m.state == "pending" for m in before)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert review(pilot.app).article.id == 1
        assert_focus_on(pilot.app, 0, before)

        await pilot.press("a")
        now = mentions_of(engine, 1)
        assert now[0].state == "accepted" and now[0].label == before[0].label
        assert [m.state for m in now[1:]] == ["pending"] * (len(now) - 1)
        assert_focus_on(pilot.app, 1, before)

        await pilot.press("x")
        now = mentions_of(engine, 1)
        assert now[1].state == "rejected"
        assert_focus_on(pilot.app, 2, before)

        await pilot.press("2")  # the schema's second label is ORG
        now = mentions_of(engine, 1)
        assert (now[2].state, now[2].label) == ("accepted", "ORG")
        assert_focus_on(pilot.app, 3, before)

        with session_scope(engine) as session:
            article = get_article(session=session, article_id=1)
            decided = list_mentions(min_score=MIN_SCORE, session=session, article_id=1)[:3]
        assert article.status == "in_progress"
        assert "in progress" in "".join(str(review(pilot.app).query_one("#article-meta").visual))
        # Every decision carries the reviewer of the app ('tester').
        with session_scope(engine) as session:
            for mention in decided:
                row = session.get(Mention, mention.id)
                assert row is not None and row.reviewer_id == reviewer_id
                assert row.decided_at is not None
        assert "2 accepted" in panel_text(pilot.app) and "1 rejected" in panel_text(pilot.app)

        await pilot.press("K")  # nothing pending before: the cursor stays
        assert_focus_on(pilot.app, 3, before)
        await pilot.press("k")
        assert_focus_on(pilot.app, 2, before)
        assert "state  accepted" in panel_text(pilot.app)
        await pilot.press("up")
        assert_focus_on(pilot.app, 1, before)
        await pilot.press("J")
        assert_focus_on(pilot.app, 3, before)
        await pilot.press("j", "down")
        assert_focus_on(pilot.app, 5, before)
        await pilot.press("K")
        assert_focus_on(pilot.app, 4, before)

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ArticlesScreen)
        counts = pilot.app.screen.query_one("#counts").visual
        assert "in progress 1" in str(counts)
    # Nothing else was decided.
    assert [m.state for m in mentions_of(engine, 1)[3:]] == ["pending"] * (len(before) - 3)


@pytest.mark.usefixtures("demo")
async def test_focused_mention_is_scrolled_into_view(db_url: str, engine: Engine) -> None:
    mentions = mentions_of(engine, 1)
    async with make_app(db_url, reviewer="tester").run_test(size=(100, 20)) as pilot:
        await pilot.press("enter")
        screen = review(pilot.app)
        body = screen.query_one("#article-body")
        text = screen.query_one(ArticleText)
        last = len(mentions) - 1
        for _ in range(last):
            await pilot.press("j")
        await pilot.pause()
        assert screen.cursor == last
        line = text.line_of(mentions[last].start)
        assert body.scroll_y > 0
        assert body.scroll_y <= line < body.scroll_y + body.scrollable_content_region.height


TEXT = (
    "[bold]x[/bold] 🤔👍🏽 Cafe\u0301 [link=http://x]Rusia[/link] dan\tKazakhstan [/] "
    "bertemu di Astana."
)


async def test_highlights_land_on_the_mention_characters(
    db_url: str, engine: Engine, import_records: Importer
) -> None:
    prepare_demo(engine, reviewer_id=None)
    import_records([{"id": "tricky", "title": "[b]tricky[/b]", "text": TEXT}])
    with session_scope(engine) as session:
        article = get_article(session=session, external_id="tricky")
    match_articles(engine, article_ids=[article.id])
    mentions = mentions_of(engine, article.id)
    assert {m.text for m in mentions} >= {"Rusia", "Kazakhstan", "Astana"}
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("end", "enter")
        screen = review(pilot.app)
        assert screen.article.id == article.id
        widget = screen.query_one(ArticleText)
        content = widget.visual
        assert isinstance(content, Content)
        assert content.plain == article.text  # as stored (the importer normalises to NFC)
        for mention in mentions:
            spans = [s for s in content.spans if (s.start, s.end) == (mention.start, mention.end)]
            assert spans, mention
            assert content.plain[mention.start : mention.end] == mention.text
        # On screen: the text as stored, the focused (reversed) span on the first mention.
        strips = widget.render_lines(Region(0, 0, widget.size.width, 1))
        line = "".join(segment.text for segment in strips[0])
        assert line.startswith(article.text.split("\t")[0])
        reversed_text = "".join(s.text for s in strips[0] if s.style and s.style.reverse)
        assert reversed_text == mentions[0].text == "Rusia"
        for segment in strips[0]:
            if "[bold]" in segment.text or "[link" in segment.text:
                assert segment.style is None or not (segment.style.bold or segment.style.link)
        await pilot.press("a")
        segments = [
            segment
            for strip in widget.render_lines(Region(0, 0, *widget.size))
            for segment in strip
        ]
        reversed_text = "".join(s.text for s in segments if s.style and s.style.reverse)
        assert reversed_text == mentions[1].text
        # Accepted: bold dark text on the label colour, no longer underlined like the pending.
        accepted = "".join(
            s.text
            for s in segments
            if s.style and s.style.bold and not s.style.underline and not s.style.reverse
        )
        pending = "".join(
            s.text for s in segments if s.style and s.style.underline and not s.style.reverse
        )
        assert accepted == "Rusia"
        assert pending == "Astana"


async def test_article_without_mentions(db_url: str, import_records: Importer) -> None:
    import_records([{"id": "plain", "title": "Plain", "text": "Nothing to review here."}])
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        screen = review(pilot.app)
        assert screen.cursor is None
        assert "No mentions in this article." in panel_text(pilot.app)
        assert "0 pending · 0 accepted · 0 rejected" in panel_text(pilot.app)
        await pilot.press("a", "x", "1", "j", "J", "k")
        assert review(pilot.app).cursor is None
        await pilot.press("q")
        assert isinstance(pilot.app.screen, ArticlesScreen)
