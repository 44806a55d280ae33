"""`new name` candidates in review: hidden under the threshold until `v`, `N` makes the entity
(and its other mentions candidates), mark mode's `N`/`P` jump to the next name not covered."""

from __future__ import annotations

import re

from sqlalchemy import Engine
from sqlmodel import select
from textual.pilot import Pilot

from store.config import MIN_SCORE
from store.corpus.articles import get_article, list_articles
from store.db import session_scope
from store.matching.names import NEW_NAME
from store.models import Entity, Mention
from store.review.candidates import match_articles
from tests.tui.conftest import Importer
from tests.tui.panels import form as form_shown
from tests.tui.test_app import SIZE
from tui.app import make_app
from tui.screens.articles import ArticlesScreen
from tui.screens.review import ArticleScreen

TEXTS = [
    "Menteri Rusia bertemu Wiranto di Moskow. Menurut Wiranto, kerja sama itu penting.",
    "Kunjungan Wiranto ke Rusia berlanjut pekan depan.",
]


async def open_article(pilot: Pilot[None], engine: Engine, article_id: int) -> ArticleScreen:
    with session_scope(engine) as session:
        article = get_article(session=session, article_id=article_id)
    await pilot.app.push_screen(ArticleScreen(article))
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ArticleScreen)
    return screen


def imported(engine: Engine, import_records: Importer) -> list[int]:
    import_records([{"text": text, "title": f"t{i}"} for i, text in enumerate(TEXTS)])
    match_articles(engine)
    with session_scope(engine) as session:
        ids = sorted(
            a
            for a in session.exec(select(Mention.article_id).where(Mention.text == "Wiranto")).all()
        )
        rows = session.exec(select(Mention).where(Mention.text == "Wiranto")).all()
        assert {(m.reason, m.entity_id, m.state) for m in rows} == {(NEW_NAME, None, "pending")}
    return sorted(set(ids))


async def test_v_shows_new_names_and_N_makes_their_entity_with_its_other_mentions(
    demo: None, engine: Engine, db_url: str, import_records: Importer
) -> None:
    first, second = imported(engine, import_records)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, engine, first)
        assert "Wiranto" not in {m.text for m in screen.mentions}
        assert screen.hidden == 2
        await pilot.press("v")
        await pilot.pause()
        shown = [m for m in screen.mentions if m.text == "Wiranto"]
        assert len(shown) == 2 and screen.hidden == 0
        while screen.current is None or screen.current.text != "Wiranto":
            await pilot.press("j")
        await pilot.press("N")
        await pilot.pause()
        form = form_shown(pilot.app)
        guessed = form.label
        await pilot.press("down", "down", "up")  # the label from the name field: one down
        chosen = form.labels[(form.labels.index(guessed) + 1) % len(form.labels)]
        assert form.label == chosen
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert pilot.app.screen is screen
    with session_scope(engine) as session:
        entity = session.exec(select(Entity).where(Entity.name == "Wiranto")).one()
        assert entity.type == chosen
        rows = session.exec(select(Mention).where(Mention.text == "Wiranto")).all()
        states = sorted((m.article_id, m.state, m.entity_id == entity.id) for m in rows)
        # The one decided is accepted and linked; the others (this article and the second)
        # were re-matched into ordinary candidates of the new entity.
        assert states == [
            (first, "accepted", True),
            (first, "pending", True),
            (second, "pending", True),
        ]
        assert all(m.reason is None for m in rows if m.state == "pending")


async def test_v_again_hides_them_and_d_does_not_count_hidden_ones(
    demo: None, engine: Engine, db_url: str, import_records: Importer
) -> None:
    first, _ = imported(engine, import_records)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, engine, first)
        visible = len(screen.mentions)
        await pilot.press("v", "v")
        await pilot.pause()
        assert len(screen.mentions) == visible and screen.hidden == 2
        for _ in range(visible):  # decide every shown candidate
            await pilot.press("a")
            await pilot.pause()
        await pilot.press("d")  # nothing shown is pending: no question, done at once
        await pilot.pause()
        assert isinstance(pilot.app.screen, ArticleScreen) and not pilot.app.screen.asking
    with session_scope(engine) as session:
        article = get_article(session=session, article_id=first)
        assert article.status == "done"


async def test_mark_mode_N_and_P_jump_to_the_names_no_mention_covers(
    demo: None, engine: Engine, db_url: str, import_records: Importer
) -> None:
    first, _ = imported(engine, import_records)
    text = TEXTS[0]
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        screen = await open_article(pilot, engine, first)
        covered = {(m.start, m.end) for m in screen.mentions}
        await pilot.press("m")
        await pilot.pause()
        cursor = screen.body.text.cursor
        start = cursor.position
        stops = []
        for _ in range(4):
            await pilot.press("N")
            stops.append(cursor.position)
        # Every capitalised word after the cursor that no shown mention covers, then it stays.
        free = [
            m.start()
            for m in re.finditer(r"\b[A-Z]\w*", text)
            if m.start() > start and not any(s <= m.start() < e for s, e in covered)
        ]
        assert free == [22, 41, 49] and "Wiranto" not in {m.text for m in screen.mentions}
        assert stops == [22, 41, 49, 49]
        await pilot.press("P", "P")
        assert cursor.position == 22


def pending_cell(screen: ArticlesScreen, article_id: int) -> str:
    return str(screen.table.get_cell(str(article_id), "pending"))


async def test_the_queue_counts_what_the_threshold_shows_and_v_there_counts_all(
    demo: None, engine: Engine, db_url: str, import_records: Importer
) -> None:
    first, _ = imported(engine, import_records)
    with session_scope(engine) as session:
        every = list_articles(session=session, limit=100)
        shown = list_articles(session=session, limit=100, min_score=MIN_SCORE)
    pending = {row.id: row.pending for row in every}
    visible = {row.id: row.pending for row in shown}
    assert pending[first] == visible[first] + 2  # the two `Wiranto`
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ArticlesScreen)
        assert pending_cell(screen, first) == str(visible[first])
        await pilot.press("v")
        await pilot.pause()
        assert pending_cell(screen, first) == str(pending[first])
        screen_review = await open_article(pilot, engine, first)
        assert screen_review.hidden == 0  # `v` holds for the review screen too
