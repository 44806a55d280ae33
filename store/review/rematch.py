"""Re-matching after a gazetteer change: only the articles the changed aliases can reach."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, select, tuple_
from sqlmodel import col

from store.corpus.search import articles_for_aliases
from store.db import session_scope
from store.gazetteer.change import GazetteerChange
from store.models import Article, Entity, Mention
from store.review.candidates import MatchReport, match_articles


def affected_articles(engine: Engine, change: GazetteerChange) -> list[int]:
    """Articles a gazetteer change can alter, found through what changed.

    Args:
        engine: The database.
        change: What changed. Its `added` aliases reach the articles where they or their
            variants occur (through the search index); its `removed` (entity key, alias) pairs
            the articles with pending candidates that alias produced; its `entities` the
            articles with their candidates; its `articles` themselves.
    """
    ids: set[int] = set(change.articles)
    with session_scope(engine) as session:
        if change.added:
            found = articles_for_aliases(session, list(change.added))
            if found is None:  # no search index on this database: everything may be affected
                return list(session.execute(select(col(Article.id))).scalars())
            ids |= found
        if change.removed:
            ids |= set(
                session.execute(
                    select(col(Mention.article_id))
                    .join(Entity, col(Entity.id) == col(Mention.entity_id))
                    .where(
                        col(Mention.state) == "pending",
                        tuple_(col(Entity.key), col(Mention.matched_alias)).in_(
                            list(change.removed)
                        ),
                    )
                ).scalars()
            )
        if change.entities:
            ids |= set(
                session.execute(
                    select(col(Mention.article_id))
                    .join(Entity, col(Entity.id) == col(Mention.entity_id))
                    .where(col(Entity.key).in_(change.entities))
                ).scalars()
            )
    return sorted(ids)


def rematch(
    engine: Engine,
    change: GazetteerChange,
    *,
    reviewer_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> MatchReport:
    """Re-match exactly the articles a gazetteer change reaches; report what appeared and went.

    The one policy every gazetteer edit goes through (command line, gazetteer screen, undo and
    redo, teaching an alias, an entity created from a mention in review): earlier pending
    candidates of those articles are replaced, so a removed alias's or a deleted entity's
    candidates go and a new alias's appear.

    Args:
        engine: The database.
        change: What an edit (or its undo or redo) changed, as the edit returned it.
        reviewer_id: Who re-matches (audited).
        progress: Called with how many more articles are done.
    """
    ids = affected_articles(engine, change)
    if not ids:
        return MatchReport()
    return match_articles(
        engine,
        article_ids=ids,
        reviewer_id=reviewer_id,
        on_progress=progress or (lambda _n: None),
    )
