"""Teaching an alias from the review screen (t) and the concordance of a mention's entity (o)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from store.corpus.articles import get_article
from store.db import session_scope
from store.ingest.articles import import_articles
from store.models import Alias, Entity, Mention
from tui.app import make_app
from tui.screens.concordance import ConcordanceScreen
from tui.screens.review import ArticleScreen

SIZE = (120, 40)


@pytest.mark.usefixtures("demo")
async def test_t_teaches_the_misspelling_and_o_shows_the_concordance(
    db_url: str, engine: Engine, reviewer_id: int, tmp_path: Path
) -> None:
    extra = tmp_path / "extra.txt"
    extra.write_text("Delegasi Kyrgystan tiba.", encoding="utf-8")
    assert import_articles(engine, [extra], reviewer_id=reviewer_id).imported == 1
    with session_scope(engine) as session:
        fuzzy = session.exec(
            select(Mention)
            .where(Mention.text == "Kyrgystan", Mention.method == "fuzzy")
            .order_by(Mention.article_id)
        ).first()
        assert fuzzy is not None and fuzzy.id is not None
        article = get_article(session=session, article_id=fuzzy.article_id)
    async with make_app(db_url, reviewer="tester").run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(ArticleScreen(article, focus=fuzzy.id))
        await pilot.pause()
        await pilot.press("t")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        with session_scope(engine) as session:
            alias = session.exec(
                select(Alias).join(Entity).where(Entity.key == "KG", Alias.text == "Kyrgystan")
            ).first()
            elsewhere = session.exec(
                select(Mention).where(
                    Mention.text == "Kyrgystan", Mention.article_id != fuzzy.article_id
                )
            ).all()
        assert alias is not None and alias.origin == "reviewer"
        assert [(m.method, m.matched_alias) for m in elsewhere] == [("exact", "Kyrgystan")]
        await pilot.press("o")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ConcordanceScreen) and screen.key == "KG"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ArticleScreen)
