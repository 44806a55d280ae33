"""Teaching an alias from a reviewed mention re-matches the articles it reaches."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from store.corpus.demo import prepare_demo
from store.db import session_scope
from store.ingest.articles import import_articles
from store.models import Alias, Entity, Mention
from store.review.mentions import decide_mention
from store.review.teach import teach_alias


def test_a_taught_misspelling_becomes_an_exact_candidate_elsewhere(
    engine: Engine, reviewer_id: int, tmp_path: Path
) -> None:
    prepare_demo(engine, reviewer_id=reviewer_id)
    extra = tmp_path / "extra.txt"
    extra.write_text("Delegasi Kyrgystan tiba di Bishkek.\n\nKyrgystan menolak.", encoding="utf-8")
    assert import_articles(engine, [extra], reviewer_id=reviewer_id).imported == 1
    with session_scope(engine) as session:
        fuzzy = session.exec(
            select(Mention).where(Mention.text == "Kyrgystan", Mention.method == "fuzzy")
        ).all()
        original = min(fuzzy, key=lambda m: m.article_id)
        assert original.id is not None
        decide_mention(
            session=session, mention_id=original.id, state="accepted", reviewer_id=reviewer_id
        )
    taught = teach_alias(engine, mention_id=original.id, reviewer_id=reviewer_id)
    assert (taught.key, taught.alias) == ("KG", "Kyrgystan")
    with session_scope(engine) as session:
        alias = session.exec(
            select(Alias).join(Entity).where(Entity.key == "KG", Alias.text == "Kyrgystan")
        ).one()
        assert (alias.origin, alias.added_by) == ("reviewer", reviewer_id)
        elsewhere = session.exec(
            select(Mention).where(
                Mention.text == "Kyrgystan", Mention.article_id != original.article_id
            )
        ).all()
        decided = session.get(Mention, original.id)
    assert len(elsewhere) == 2
    assert {(m.method, m.matched_alias, m.state) for m in elsewhere} == {
        ("exact", "Kyrgystan", "pending")
    }
    assert taught.candidates == 2 and taught.articles == 1
    assert decided is not None and (decided.state, decided.method) == ("accepted", "fuzzy")
    # Taught again: a notice, not an error; the matcher missed this one (fuzzy): re-matched.
    again = teach_alias(engine, mention_id=original.id, reviewer_id=reviewer_id)
    assert again.already and again.rematched and again.candidates == 0
    assert again.summary.startswith("'Kyrgystan' is already an alias of KG; re-matched")
