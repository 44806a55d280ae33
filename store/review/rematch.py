"""Re-matching after a gazetteer change: only the articles the changed aliases can reach."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Engine, select, tuple_
from sqlmodel import col

from store.corpus.search import articles_for_aliases
from store.db import session_scope
from store.models import Article, Entity, Mention
from store.review.candidates import MatchReport, match_articles


def affected_articles(
    engine: Engine,
    *,
    added: Iterable[str] = (),
    removed: Iterable[tuple[str, str]] = (),
    entities: Iterable[str] = (),
) -> list[int]:
    """Articles a gazetteer change can alter, found through what changed.

    Args:
        engine: The database.
        added: Aliases that are new (or whose entity changed): articles where they or their
            variants occur, through the search index.
        removed: (entity key, alias) pairs that are gone: articles with pending candidates
            that alias produced.
        entities: Keys of entities renamed, retyped or merged: articles with their candidates.
    """
    added, removed, entities = list(added), list(removed), list(entities)
    ids: set[int] = set()
    with session_scope(engine) as session:
        if added:
            found = articles_for_aliases(session, added)
            if found is None:  # no search index on this database: everything may be affected
                return list(session.execute(select(col(Article.id))).scalars())
            ids |= found
        if removed:
            ids |= set(
                session.execute(
                    select(col(Mention.article_id))
                    .join(Entity, col(Entity.id) == col(Mention.entity_id))
                    .where(
                        col(Mention.state) == "pending",
                        tuple_(col(Entity.key), col(Mention.matched_alias)).in_(removed),
                    )
                ).scalars()
            )
        if entities:
            ids |= set(
                session.execute(
                    select(col(Mention.article_id))
                    .join(Entity, col(Entity.id) == col(Mention.entity_id))
                    .where(col(Entity.key).in_(entities))
                ).scalars()
            )
    return sorted(ids)


def rematch_after_change(
    engine: Engine,
    *,
    added: Iterable[str] = (),
    removed: Iterable[tuple[str, str]] = (),
    entities: Iterable[str] = (),
    reviewer_id: int | None = None,
    on_progress: Callable[[int], None] = lambda _n: None,
) -> MatchReport:
    """Re-match only the articles a gazetteer change can alter; report what appeared and went."""
    ids = affected_articles(engine, added=added, removed=removed, entities=entities)
    if not ids:
        return MatchReport()
    return match_articles(engine, article_ids=ids, reviewer_id=reviewer_id, on_progress=on_progress)
